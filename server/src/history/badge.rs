//! Badges: the two-part "label | message" image READMEs show, coloured by what the message
//! says, as SVG ([`Badge::svg`]) or as the JSON shields.io's endpoint badges read
//! ([`Badge::shields`]).
//!
//! ```
//! use statusboard_api::ComponentStatus;
//! use statusboard_server::history::badge::Badge;
//!
//! let badge = Badge::status("API", ComponentStatus::PartialOutage);
//! assert_eq!(badge.message, "partial outage");
//! assert_eq!(badge.shields().color, "orange");
//! assert!(badge.svg().starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
//! ```

use statusboard_api::{ComponentStatus, ShieldsBadge};

use super::xml_escape;

/// A badge's colour: shields.io's named colours, with their values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    /// Good.
    BrightGreen,
    /// Nearly good.
    Green,
    /// Fair.
    YellowGreen,
    /// Degraded.
    Yellow,
    /// Partly down.
    Orange,
    /// Down.
    Red,
    /// Under maintenance.
    Blue,
    /// Nothing to say yet.
    LightGrey,
}

impl Color {
    /// Its name, as shields.io knows it.
    pub fn name(self) -> &'static str {
        match self {
            Color::BrightGreen => "brightgreen",
            Color::Green => "green",
            Color::YellowGreen => "yellowgreen",
            Color::Yellow => "yellow",
            Color::Orange => "orange",
            Color::Red => "red",
            Color::Blue => "blue",
            Color::LightGrey => "lightgrey",
        }
    }

    /// Its value in SVG.
    pub fn hex(self) -> &'static str {
        match self {
            Color::BrightGreen => "#4c1",
            Color::Green => "#97ca00",
            Color::YellowGreen => "#a4a61d",
            Color::Yellow => "#dfb317",
            Color::Orange => "#fe7d37",
            Color::Red => "#e05d44",
            Color::Blue => "#007ec6",
            Color::LightGrey => "#9f9f9f",
        }
    }
}

/// A badge: `label` on grey, `message` on `color`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Badge {
    /// The left part.
    pub label: String,
    /// The right part.
    pub message: String,
    /// The right part's colour.
    pub color: Color,
}

impl Badge {
    /// The status badge of the component `name`: its status in words.
    pub fn status(name: &str, status: ComponentStatus) -> Self {
        let color = match status {
            ComponentStatus::Operational => Color::BrightGreen,
            ComponentStatus::DegradedPerformance => Color::Yellow,
            ComponentStatus::PartialOutage => Color::Orange,
            ComponentStatus::MajorOutage => Color::Red,
            ComponentStatus::UnderMaintenance => Color::Blue,
        };
        Self {
            label: name.to_owned(),
            message: status.as_str().replace('_', " "),
            color,
        }
    }

    /// The uptime badge of the component `name`: `uptime` (from 0 to 1) as a percentage
    /// rounded down to hundredths (so `100%` means no downtime at all), or `no data`.
    pub fn uptime(name: &str, uptime: Option<f64>) -> Self {
        let label = format!("{name} uptime");
        let Some(uptime) = uptime else {
            return Self {
                label,
                message: "no data".to_owned(),
                color: Color::LightGrey,
            };
        };
        let percent = uptime * 100.0;
        let color = match percent {
            p if p >= 99.9 => Color::BrightGreen,
            p if p >= 99.0 => Color::Green,
            p if p >= 97.0 => Color::YellowGreen,
            p if p >= 95.0 => Color::Yellow,
            p if p >= 90.0 => Color::Orange,
            _ => Color::Red,
        };
        let message = if uptime >= 1.0 {
            "100%".to_owned()
        } else {
            format!("{:.2}%", (percent * 100.0).floor() / 100.0)
        };
        Self {
            label,
            message,
            color,
        }
    }

    /// The badge as shields.io's endpoint badges read it.
    pub fn shields(&self) -> ShieldsBadge {
        ShieldsBadge {
            schema_version: 1,
            label: self.label.clone(),
            message: self.message.clone(),
            color: self.color.name().to_owned(),
        }
    }

    /// The badge as an SVG image, 20 pixels high, each part as wide as its text.
    pub fn svg(&self) -> String {
        let (label, message) = (xml_escape(&self.label), xml_escape(&self.message));
        let label_width = text_width(&self.label) + 2 * PADDING;
        let message_width = text_width(&self.message) + 2 * PADDING;
        let width = label_width + message_width;
        let (label_x, message_x) = (label_width / 2, label_width + message_width / 2);
        let color = self.color.hex();
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"20\" \
             role=\"img\" aria-label=\"{label}: {message}\">\
             <title>{label}: {message}</title>\
             <linearGradient id=\"shine\" x2=\"0\" y2=\"100%\">\
             <stop offset=\"0\" stop-color=\"#fff\" stop-opacity=\".15\"/>\
             <stop offset=\"1\" stop-opacity=\".15\"/></linearGradient>\
             <clipPath id=\"round\"><rect width=\"{width}\" height=\"20\" rx=\"3\"/></clipPath>\
             <g clip-path=\"url(#round)\">\
             <rect width=\"{label_width}\" height=\"20\" fill=\"#555\"/>\
             <rect x=\"{label_width}\" width=\"{message_width}\" height=\"20\" fill=\"{color}\"/>\
             <rect width=\"{width}\" height=\"20\" fill=\"url(#shine)\"/></g>\
             <g fill=\"#fff\" text-anchor=\"middle\" \
             font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" font-size=\"11\">\
             <text x=\"{label_x}\" y=\"15\" fill=\"#010101\" fill-opacity=\".3\">{label}</text>\
             <text x=\"{label_x}\" y=\"14\">{label}</text>\
             <text x=\"{message_x}\" y=\"15\" fill=\"#010101\" fill-opacity=\".3\">{message}</text>\
             <text x=\"{message_x}\" y=\"14\">{message}</text></g></svg>"
        )
    }
}

/// The space either side of a part's text, in pixels.
const PADDING: u32 = 6;

/// About how wide `text` is in 11-pixel Verdana, in pixels: wide enough for the text to fit
/// its part (the width of each character class, in tenths of a pixel).
fn text_width(text: &str) -> u32 {
    let tenths: u32 = text
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '!' | '|' | '\'' => 35,
            ' ' | 'f' | 'r' | 't' | 'I' | '(' | ')' | '[' | ']' | '-' | '/' => 45,
            'm' | 'w' | 'M' | 'W' | '%' | '@' => 110,
            'A'..='Z' | '&' => 78,
            '0'..='9' | '#' | '$' => 70,
            c if c.is_ascii() => 66,
            _ => 90,
        })
        .sum();
    tenths.div_ceil(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_is_rounded_down_so_that_only_no_downtime_reads_100() {
        assert_eq!(Badge::uptime("api", Some(1.0)).message, "100%");
        assert_eq!(Badge::uptime("api", Some(0.999_99)).message, "99.99%");
        assert_eq!(Badge::uptime("api", Some(0.999_5)).message, "99.95%");
        assert_eq!(Badge::uptime("api", Some(0.5)).message, "50.00%");
        assert_eq!(Badge::uptime("api", None).message, "no data");
    }

    #[test]
    fn colours_follow_the_figure() {
        let colour = |uptime| Badge::uptime("api", Some(uptime)).color;
        assert_eq!(colour(0.9995), Color::BrightGreen);
        assert_eq!(colour(0.995), Color::Green);
        assert_eq!(colour(0.98), Color::YellowGreen);
        assert_eq!(colour(0.96), Color::Yellow);
        assert_eq!(colour(0.93), Color::Orange);
        assert_eq!(colour(0.5), Color::Red);
        assert_eq!(Badge::uptime("api", None).color, Color::LightGrey);
    }

    #[test]
    fn text_is_escaped_and_parts_widen_with_it() {
        let short = Badge::status("a", ComponentStatus::Operational).svg();
        let long = Badge::status("a <much> longer name & more", ComponentStatus::Operational);
        let svg = long.svg();
        assert!(svg.contains("a &lt;much&gt; longer name &amp; more"));
        assert!(!svg.contains("<much>"));
        let width = |svg: &str| -> u32 {
            let start = svg.find("width=\"").unwrap() + 7;
            svg[start..].split('"').next().unwrap().parse().unwrap()
        };
        assert!(width(&svg) > width(&short) + 100);
    }
}
