//! Placeholder: fresh DynamoDB tables on the test server.
