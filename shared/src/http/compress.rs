//! Compressing responses at the origin, for clients that say they accept it
//! (`Accept-Encoding`): the local server, a site served without the CDN, and
//! the CDN itself, which stores what the origin sent and so passes on bytes
//! it did not have to compress. Levels are chosen by measurement
//! (BENCHMARKS.md, "Compression"); docs/site.md#compression says why.

use std::io::Write as _;

/// A content coding the site can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

/// Bodies smaller than this go out as they are: below about a kilobyte the
/// saving is a few hundred bytes, less than the headers of the exchange, and
/// not worth the CPU.
pub const MIN_BYTES: usize = 1024;

/// Brotli quality (0–11). See BENCHMARKS.md: 5 is where the size curve
/// flattens (the front page 5.9 KB; quality 4, 6.2 KB), for ~1.4 ms of CPU
/// per 20 KB page, paid once per cache fill behind the CDN.
pub const BROTLI_QUALITY: u32 = 5;
/// Brotli window (log2 bytes): 4 MiB, far more than any page.
const BROTLI_WINDOW: u32 = 22;
/// gzip level (0–9), by the same measurement.
pub const GZIP_LEVEL: u32 = 6;

impl Encoding {
    /// The `Content-Encoding` value (`None` for identity).
    pub fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        }
    }

    /// What an `ETag` of this representation ends with: a compressed body is
    /// a different representation, so it must not share the identity's tag.
    pub fn etag_suffix(self) -> &'static str {
        match self {
            Encoding::Identity => "",
            Encoding::Gzip => "-gzip",
            Encoding::Brotli => "-br",
        }
    }

    /// The coding to use for a request's `Accept-Encoding` (RFC 9110
    /// §12.5.3): Brotli if acceptable, else gzip, else none; `q=0` refuses a
    /// coding, `*` stands for any not named, and a header that cannot be
    /// read is no header.
    pub fn negotiate(accept_encoding: Option<&str>) -> Encoding {
        let Some(header) = accept_encoding else { return Encoding::Identity };
        let (mut br, mut gzip, mut any) = (None, None, None);
        for item in header.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let mut q = 1.0_f32;
            for param in parts {
                if let Some((k, v)) = param.split_once('=') {
                    if k.trim().eq_ignore_ascii_case("q") {
                        q = v.trim().parse().unwrap_or(0.0);
                    }
                }
            }
            match name.as_str() {
                "br" => br = Some(q),
                "gzip" | "x-gzip" => gzip = Some(q),
                "*" => any = Some(q),
                _ => {}
            }
        }
        let br = br.or(any).unwrap_or(0.0);
        let gzip = gzip.or(any).unwrap_or(0.0);
        if br > 0.0 && br >= gzip {
            Encoding::Brotli
        } else if gzip > 0.0 {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    /// `body` in this coding. Compressing into memory cannot fail; should
    /// the encoder ever report an error, the caller sends identity instead.
    pub fn encode(self, body: &[u8]) -> Option<Vec<u8>> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => {
                let mut enc = flate2::write::GzEncoder::new(
                    Vec::with_capacity(body.len() / 3),
                    flate2::Compression::new(GZIP_LEVEL),
                );
                enc.write_all(body).ok()?;
                enc.finish().ok()
            }
            Encoding::Brotli => Some(brotli_at(body, BROTLI_QUALITY)),
        }
    }
}

/// Brotli at `quality` (also used by the benchmark that chose the level).
pub fn brotli_at(body: &[u8], quality: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() / 3);
    let params = brotli::enc::BrotliEncoderParams {
        quality: i32::try_from(quality).unwrap_or(11),
        lgwin: i32::try_from(BROTLI_WINDOW).unwrap_or(22),
        ..Default::default()
    };
    let mut input = body;
    // Writing to a Vec cannot fail.
    let _ = brotli::BrotliCompress(&mut input, &mut out, &params);
    out
}

/// gzip at `level` (for the benchmark that chose the level).
pub fn gzip_at(body: &[u8], level: u32) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    let _ = enc.write_all(body);
    enc.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    #[test]
    fn negotiation_follows_the_header() {
        use Encoding::*;
        let cases = [
            (None, Identity),
            (Some(""), Identity),
            (Some("gzip, deflate, br, zstd"), Brotli),
            (Some("gzip"), Gzip),
            (Some("GZIP"), Gzip),
            (Some("br;q=0, gzip"), Gzip),
            (Some("br;q=0.5, gzip;q=0.8"), Gzip),
            (Some("identity"), Identity),
            (Some("*"), Brotli),
            (Some("*;q=0"), Identity),
            (Some("gzip;q=0, *"), Brotli),
            (Some("br;q=nonsense, gzip"), Gzip),
            (Some(";;,,=q"), Identity),
        ];
        for (header, want) in cases {
            assert_eq!(Encoding::negotiate(header), want, "{header:?}");
        }
    }

    #[test]
    fn both_codings_round_trip() {
        let page = "<p>A page of text that repeats, as pages do.</p>\n".repeat(100);
        let gz = Encoding::Gzip.encode(page.as_bytes()).unwrap();
        let mut back = String::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut back).unwrap();
        assert_eq!(back, page);
        assert!(gz.len() < page.len() / 5);

        let br = Encoding::Brotli.encode(page.as_bytes()).unwrap();
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut back).unwrap();
        assert_eq!(back, page.as_bytes());
        assert!(br.len() < gz.len());
        assert_eq!(Encoding::Identity.encode(page.as_bytes()), None);
    }
}
