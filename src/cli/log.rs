//! How `tracing` events reach stderr: `warning: ...` for warnings (the same
//! prefix and colour as the warnings commands report themselves), and
//! `error:`, `info:`, `debug:`, `trace:` for the other levels, so envy has
//! one warning style. With `-vv` and more, each line starts with the
//! seconds since start.

use super::style;
use std::fmt;
use std::time::Instant;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The event format: `[seconds ]level: message`.
pub struct LogFormat {
    /// Since when to count, when lines carry the elapsed time (`-vv`).
    pub started: Option<Instant>,
}

impl<S, N> FormatEvent<S, N> for LogFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        if let Some(t0) = self.started {
            write!(writer, "{:8.3}s ", t0.elapsed().as_secs_f64())?;
        }
        let (label, colour) = match *event.metadata().level() {
            Level::ERROR => ("error:", Some(style::ERROR)),
            Level::WARN => ("warning:", Some(style::WARNING)),
            Level::INFO => ("info:", None),
            Level::DEBUG => ("debug:", None),
            Level::TRACE => ("trace:", None),
        };
        match colour {
            Some(c) if writer.has_ansi_escapes() => write!(writer, "{}", style::paint(c, label))?,
            _ => write!(writer, "{label}")?,
        }
        write!(writer, " ")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}
