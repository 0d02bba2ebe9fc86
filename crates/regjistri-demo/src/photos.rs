//! Invented photos for demo check-ins: a small palette PNG of an abstract figure (a disc
//! over a rounded block, the shape of a placeholder) on a striped background, its colours
//! and proportions drawn from a seed. Never a face, never a real person: a picture any
//! officer sees at once is not a photograph.
//!
//! Cheap enough for seeding thousands of files: an image is 72 × 90 pixels, a few hundred
//! bytes once compressed, and [`Avatars`] makes each of its variants once.

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Width and height of an avatar, in pixels (portrait, like an identity photo).
pub const WIDTH: u32 = 72;
pub const HEIGHT: u32 = 90;

/// How many different avatars [`Avatars`] hands out.
pub const VARIANTS: u64 = 32;

/// The avatar of `seed` as PNG bytes. The same seed always gives the same bytes.
pub fn avatar(seed: u64) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4156_4154_4152_5321);
    let hue = |rng: &mut ChaCha8Rng, lo: u8, hi: u8| -> [u8; 3] {
        [
            rng.gen_range(lo..hi),
            rng.gen_range(lo..hi),
            rng.gen_range(lo..hi),
        ]
    };
    // 0 background, 1 stripe, 2 figure, 3 outline.
    let palette: Vec<u8> = [
        hue(&mut rng, 170, 240),
        hue(&mut rng, 150, 220),
        hue(&mut rng, 40, 120),
        hue(&mut rng, 10, 40),
    ]
    .concat();
    let stripe = rng.gen_range(6..14i32);
    let (w, h) = (WIDTH as i32, HEIGHT as i32);
    let head_r = rng.gen_range(13..18i32);
    let head_y = rng.gen_range(28..36i32);
    let shoulders = rng.gen_range(26..34i32);
    let mut pixels = Vec::with_capacity((w * h) as usize);
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (x - w / 2, y - head_y);
            let head = dx * dx + dy * dy;
            let body_top = head_y + head_r + 6;
            let in_body = y >= body_top && {
                let t = y - body_top;
                let half = (shoulders - 8 + t.min(8)).min(shoulders);
                dx.abs() <= half
            };
            let p = if head <= head_r * head_r || in_body {
                if head >= (head_r - 2) * (head_r - 2) && head <= head_r * head_r {
                    3
                } else {
                    2
                }
            } else if (x + y) % stripe < stripe / 3 {
                1
            } else {
                0
            };
            pixels.push(p);
        }
    }
    encode(&palette, &pixels)
}

fn encode(palette: &[u8], pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_palette(palette.to_vec());
    encoder.set_compression(png::Compression::Fast);
    // Writing into memory cannot fail for a palette image of the declared size.
    let written = encoder
        .write_header()
        .and_then(|mut w| w.write_image_data(pixels).and_then(|()| w.finish()));
    debug_assert!(written.is_ok(), "{written:?}");
    out
}

/// Hands out avatars by seed, making each of the [`VARIANTS`] once.
#[derive(Default)]
pub struct Avatars {
    made: std::collections::HashMap<u64, Vec<u8>>,
}

impl Avatars {
    pub fn new() -> Avatars {
        Avatars::default()
    }

    /// The avatar for `seed` (one of [`VARIANTS`]).
    pub fn for_seed(&mut self, seed: u64) -> &[u8] {
        self.made
            .entry(seed % VARIANTS)
            .or_insert_with(|| avatar(seed % VARIANTS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regjistri_domain::photo::{inspect, MediaType};

    #[test]
    fn avatars_are_small_valid_pngs_and_deterministic() {
        for seed in 0..VARIANTS {
            let bytes = avatar(seed);
            let facts = inspect(&bytes).unwrap_or_else(|p| panic!("seed {seed}: {p:?}"));
            assert_eq!(
                (facts.media_type, facts.width, facts.height),
                (MediaType::Png, WIDTH, HEIGHT)
            );
            assert!(bytes.len() < 2_000, "seed {seed}: {} bytes", bytes.len());
            assert_eq!(avatar(seed), bytes);
        }
        assert_ne!(avatar(1), avatar(2));
        let mut avatars = Avatars::new();
        assert_eq!(avatars.for_seed(VARIANTS + 3), avatar(3).as_slice());
    }
}
