//! A [`metrics`] recorder for tests: every counter and histogram the relying party recorded,
//! with its exact labels, to assert on.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use metrics::{
    Counter, CounterFn, Gauge, GaugeFn, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};

/// One series: a metric's name and its labels (sorted by label name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Series {
    /// The metric's name.
    pub name: String,
    /// Its labels, sorted by name.
    pub labels: Vec<(String, String)>,
}

impl Series {
    /// The value of label `name`, if the series has it.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Default)]
struct Values {
    counters: BTreeMap<Series, Arc<AtomicU64>>,
    gauges: BTreeMap<Series, Arc<GaugeCell>>,
    histograms: BTreeMap<Series, Arc<HistogramCell>>,
    descriptions: BTreeMap<String, (Option<Unit>, String)>,
}

#[derive(Debug, Default)]
struct GaugeCell(Mutex<f64>);

impl GaugeFn for GaugeCell {
    fn increment(&self, value: f64) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) += value;
    }
    fn decrement(&self, value: f64) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) -= value;
    }
    fn set(&self, value: f64) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = value;
    }
}

#[derive(Debug, Default)]
struct HistogramCell(Mutex<Vec<f64>>);

impl HistogramFn for HistogramCell {
    fn record(&self, value: f64) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(value);
    }
}

#[derive(Debug)]
struct CounterCell(Arc<AtomicU64>);

impl CounterFn for CounterCell {
    fn increment(&self, value: u64) {
        self.0.fetch_add(value, Ordering::Relaxed);
    }
    fn absolute(&self, value: u64) {
        self.0.fetch_max(value, Ordering::Relaxed);
    }
}

/// A recorder that keeps every value in memory, for tests.
///
/// Install it for the whole test process with [`MetricsRecorder::global`] (the `metrics` facade
/// has one global recorder; `cargo nextest` runs each test in its own process, so each test sees
/// only its own numbers), then read back [`counter`](Self::counter) values by exact labels:
///
/// ```
/// use govuk_one_login_testkit::MetricsRecorder;
///
/// let metrics = MetricsRecorder::global()?;
/// metrics::counter!("one_login_sign_ins_total", "service" => "a", "outcome" => "success").increment(1);
/// assert_eq!(metrics.counter("one_login_sign_ins_total", &[("service", "a"), ("outcome", "success")]), 1);
/// assert_eq!(metrics.counter("one_login_sign_ins_total", &[("service", "b"), ("outcome", "success")]), 0);
/// # Ok::<(), govuk_one_login_testkit::RecorderInstallError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct MetricsRecorder {
    values: Arc<Mutex<Values>>,
}

/// Another recorder was installed in this process before [`MetricsRecorder::global`].
#[derive(Debug, thiserror::Error)]
#[error("another metrics recorder is already installed in this process")]
pub struct RecorderInstallError;

static GLOBAL: OnceLock<Option<MetricsRecorder>> = OnceLock::new();

impl MetricsRecorder {
    /// A recorder that is not installed: use it with [`metrics::with_local_recorder`] for
    /// synchronous code.
    pub fn new() -> Self {
        Self::default()
    }

    /// The process's global recorder: installed by the first call, the same one afterwards.
    ///
    /// # Errors
    /// [`RecorderInstallError`] when something else installed a global recorder first.
    pub fn global() -> Result<Self, RecorderInstallError> {
        GLOBAL
            .get_or_init(|| {
                let recorder = Self::new();
                metrics::set_global_recorder(recorder.clone())
                    .ok()
                    .map(|()| recorder)
            })
            .clone()
            .ok_or(RecorderInstallError)
    }

    fn values(&self) -> std::sync::MutexGuard<'_, Values> {
        self.values.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The counter `name` with exactly these labels (in any order); 0 when never recorded.
    pub fn counter(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        let series = series(name, labels.iter().map(|(k, v)| (*k, *v)));
        self.values()
            .counters
            .get(&series)
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// The sum of every series of counter `name` that has at least these labels.
    pub fn counter_total(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        self.values()
            .counters
            .iter()
            .filter(|(s, _)| s.name == name && has_labels(s, labels))
            .map(|(_, c)| c.load(Ordering::Relaxed))
            .sum()
    }

    /// The values recorded in histogram `name` with exactly these labels.
    pub fn histogram(&self, name: &str, labels: &[(&str, &str)]) -> Vec<f64> {
        let series = series(name, labels.iter().map(|(k, v)| (*k, *v)));
        self.values()
            .histograms
            .get(&series)
            .map(|h| h.0.lock().unwrap_or_else(PoisonError::into_inner).clone())
            .unwrap_or_default()
    }

    /// The gauge `name` with exactly these labels, if ever set.
    pub fn gauge(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let series = series(name, labels.iter().map(|(k, v)| (*k, *v)));
        self.values()
            .gauges
            .get(&series)
            .map(|g| *g.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Every counter series with its value, sorted.
    pub fn counters(&self) -> Vec<(Series, u64)> {
        self.values()
            .counters
            .iter()
            .map(|(s, c)| (s.clone(), c.load(Ordering::Relaxed)))
            .collect()
    }

    /// Every series recorded (counters, gauges and histograms), sorted: to check that no label
    /// holds what it must not.
    pub fn series(&self) -> Vec<Series> {
        let values = self.values();
        let mut all: Vec<Series> = values
            .counters
            .keys()
            .chain(values.gauges.keys())
            .chain(values.histograms.keys())
            .cloned()
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// The help text a metric was described with, if any.
    pub fn description(&self, name: &str) -> Option<String> {
        self.values().descriptions.get(name).map(|(_, d)| d.clone())
    }

    fn describe(&self, key: &KeyName, unit: Option<Unit>, description: &SharedString) {
        self.values()
            .descriptions
            .insert(key.as_str().to_owned(), (unit, description.to_string()));
    }
}

fn has_labels(series: &Series, labels: &[(&str, &str)]) -> bool {
    labels.iter().all(|(k, v)| series.label(k) == Some(*v))
}

fn series<'a>(name: &str, labels: impl Iterator<Item = (&'a str, &'a str)>) -> Series {
    let mut labels: Vec<(String, String)> =
        labels.map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    labels.sort();
    Series {
        name: name.to_owned(),
        labels,
    }
}

fn key_series(key: &Key) -> Series {
    series(key.name(), key.labels().map(|l| (l.key(), l.value())))
}

impl Recorder for MetricsRecorder {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.describe(&key, unit, &description);
    }

    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.describe(&key, unit, &description);
    }

    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.describe(&key, unit, &description);
    }

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let cell = self
            .values()
            .counters
            .entry(key_series(key))
            .or_default()
            .clone();
        Counter::from_arc(Arc::new(CounterCell(cell)))
    }

    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        let cell = self
            .values()
            .gauges
            .entry(key_series(key))
            .or_default()
            .clone();
        Gauge::from_arc(cell)
    }

    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        let cell = self
            .values()
            .histograms
            .entry(key_series(key))
            .or_default()
            .clone();
        Histogram::from_arc(cell)
    }
}
