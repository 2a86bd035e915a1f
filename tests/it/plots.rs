//! The charts: every SVG is XML naming each policy and axis, every PNG
//! decodes at its stated size with text on it, and each chart appears exactly
//! when the run's data supports it.

use std::sync::OnceLock;

use corosim::report::data::RunData;
use corosim::report::plots::{self, Chart};

use crate::support;

/// The `RunData` of a run of `scenario` (TOML text).
fn run_data(scenario: &str) -> RunData {
    support::run_data(scenario, "test.toml").0
}

/// Three policies (one label needing XML escapes), two classes, two CPUs, a
/// blocking call early on, no sweep.
const MIXED: &str = r#"
name = "mixed"
seed = 5
horizon = "300ms"
[machine]
cpus = 2
context_switch = "20us"
[[policy]]
kind = "fifo"
label = "asyncio <loop> & co"
[[policy]]
kind = "round-robin"
quantum = "1ms"
[[policy]]
kind = "ps"
[[task]]
name = "web"
arrival = { process = "poisson", rate = 400.0 }
program = [ { compute = { exp = "2ms" } }, { sleep = "1ms" }, { compute = "300us" } ]
[[task]]
name = "report"
arrival = { process = "periodic", period = "20ms", offset = "2ms" }
program = [ { compute = "500us" }, { block = "5ms" }, { compute = "500us" } ]
"#;

/// A load sweep with two replications.
const SWEEP: &str = r#"
name = "sweep"
seed = 9
horizon = "300ms"
replications = 2
[[policy]]
kind = "fifo"
[[policy]]
kind = "round-robin"
quantum = "2ms"
[[task]]
name = "job"
arrival = { process = "poisson", rate = 100.0 }
program = [ { compute = { exp = "1ms" } } ]
[sweep]
load = [0.3, 0.6]
"#;

/// `MIXED`'s data and charts, drawn once for the tests that read them (a
/// debug build draws slowly).
fn mixed() -> &'static (RunData, Vec<Chart>) {
    static DRAWN: OnceLock<(RunData, Vec<Chart>)> = OnceLock::new();
    DRAWN.get_or_init(|| {
        let data = run_data(MIXED);
        let charts = plots::draw_all(&data).unwrap();
        (data, charts)
    })
}

/// `SWEEP`'s data and charts, drawn once.
fn sweep() -> &'static (RunData, Vec<Chart>) {
    static DRAWN: OnceLock<(RunData, Vec<Chart>)> = OnceLock::new();
    DRAWN.get_or_init(|| {
        let data = run_data(SWEEP);
        let charts = plots::draw_all(&data).unwrap();
        (data, charts)
    })
}

fn names(charts: &[Chart]) -> Vec<&str> {
    charts.iter().map(|c| c.name.as_str()).collect()
}

fn chart<'a>(charts: &'a [Chart], name: &str) -> &'a Chart {
    charts
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no chart {name} among {:?}", names(charts)))
}

/// The texts of an SVG's `<text>` elements, after checking that it parses
/// as XML, is an `<svg>` of the chart's size.
fn svg_texts(c: &Chart) -> Vec<String> {
    let doc = roxmltree::Document::parse(&c.svg)
        .unwrap_or_else(|e| panic!("{}.svg is not XML: {e}", c.name));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{}", c.name);
    assert_eq!(root.attribute("width"), Some(c.width.to_string().as_str()));
    assert_eq!(
        root.attribute("height"),
        Some(c.height.to_string().as_str())
    );
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().trim().to_string())
        .collect()
}

/// Decodes a PNG: (width, height, RGB or RGBA bytes, bytes per pixel).
fn decode_png(c: &Chart) -> (u32, u32, Vec<u8>, usize) {
    let decoder = png::Decoder::new(c.png.as_slice());
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("{}.png: {e}", c.name));
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    let channels = info.color_type.samples();
    (info.width, info.height, buf, channels)
}

#[track_caller]
fn assert_has(texts: &[String], wanted: &str, chart: &str) {
    assert!(
        texts.iter().any(|t| t == wanted),
        "{chart}.svg has no text {wanted:?}; it has {texts:?}"
    );
}

#[test]
fn a_run_without_a_sweep_has_the_run_charts_and_a_gantt_per_cpu_policy() {
    let (_, charts) = mixed();
    // No sweep charts; no Gantt chart for ps (a fluid model has no slices).
    assert_eq!(
        names(charts),
        [
            "latency_cdf",
            "throughput",
            "ready_queue",
            "gantt_0",
            "gantt_1"
        ]
    );
    assert!(!chart(charts, "latency_cdf").title.contains(" at "));
}

#[test]
fn every_svg_is_xml_naming_each_policy_and_axis() {
    let (data, charts) = mixed();
    let axes = [
        (
            "latency_cdf",
            [
                "latency (ms, log scale)",
                "fraction of tasks with at most this latency",
            ],
        ),
        ("throughput", ["time (s)", "completions per second"]),
        (
            "ready_queue",
            ["time (s)", "mean ready-queue length (tasks)"],
        ),
    ];
    for (name, titles) in axes {
        let c = chart(charts, name);
        let texts = svg_texts(c);
        for title in titles {
            assert_has(&texts, title, name);
        }
        for policy in &data.meta.policies {
            assert_has(&texts, policy, name);
        }
        assert_has(&texts, &c.title, name);
        // The viewer's fonts draw SVG text: a generic family always exists.
        assert!(c.svg.contains(r#"font-family="sans-serif""#), "{name}");
    }
    // The label with `<` and `&` survives as text.
    assert!(
        data.meta
            .policies
            .contains(&"asyncio <loop> & co".to_string())
    );
}

#[test]
fn gantt_charts_show_cpus_classes_blocking_and_preemptions() {
    let (_, charts) = mixed();
    let fifo = chart(charts, "gantt_0");
    assert!(
        fifo.title.starts_with("asyncio <loop> & co: first "),
        "{}",
        fifo.title
    );
    assert!(fifo.title.ends_with(" ms"), "{}", fifo.title);
    let texts = svg_texts(fifo);
    for wanted in [
        "time (ms)",
        "CPU 0",
        "CPU 1",
        "web",
        "report",
        "context switch",
        "blocked (holds the worker)",
    ] {
        assert_has(&texts, wanted, "gantt_0");
    }
    // FIFO never preempts; round robin with a 1ms quantum does, and its
    // coroutines' blocking calls are I/O, not held CPUs.
    assert!(!texts.iter().any(|t| t == "preemption"));
    let rr = svg_texts(chart(charts, "gantt_1"));
    assert_has(&rr, "preemption", "gantt_1");
    assert!(!rr.iter().any(|t| t == "blocked (holds the worker)"));
    assert!(
        chart(charts, "gantt_1")
            .title
            .starts_with("round-robin(quantum=1ms): first ")
    );
}

#[test]
fn gantt_charts_grow_with_the_cpus() {
    let one = plots::draw_all(&run_data(&MIXED.replace("cpus = 2", "cpus = 1"))).unwrap();
    let two = &mixed().1;
    assert!(chart(two, "gantt_0").height > chart(&one, "gantt_0").height);
    // Line charts keep their size.
    assert_eq!(
        (
            chart(two, "throughput").width,
            chart(two, "throughput").height
        ),
        (
            chart(&one, "throughput").width,
            chart(&one, "throughput").height
        )
    );
}

#[test]
fn every_png_decodes_at_its_stated_size_with_text_on_it() {
    for (_, charts) in [mixed(), sweep()] {
        for c in charts {
            let (width, height, pixels, channels) = decode_png(c);
            assert_eq!((width, height), (c.width, c.height), "{}", c.name);
            assert_eq!(pixels.len(), (width * height) as usize * channels);
            let pixel = |x: u32, y: u32| {
                let i = (y * width + x) as usize * channels;
                (pixels[i], pixels[i + 1], pixels[i + 2])
            };
            // A white background, and the title's dark glyphs in the band
            // along the top (the font was found and drawn).
            assert_eq!(pixel(0, 0), (255, 255, 255), "{}", c.name);
            let dark_title_pixels = (0..36)
                .flat_map(|y| (0..width).map(move |x| (x, y)))
                .filter(|&(x, y)| {
                    let (r, g, b) = pixel(x, y);
                    r < 100 && g < 100 && b < 100
                })
                .count();
            assert!(dark_title_pixels > 200, "{}: {dark_title_pixels}", c.name);
            // Many colours: text is anti-aliased, series are coloured.
            let mut colours: Vec<(u8, u8, u8)> = (0..height)
                .flat_map(|y| (0..width).map(move |x| (x, y)))
                .map(|(x, y)| pixel(x, y))
                .collect();
            colours.sort_unstable();
            colours.dedup();
            assert!(colours.len() > 20, "{}: {} colours", c.name, colours.len());
        }
    }
}

#[test]
fn a_numeric_sweep_adds_latency_and_throughput_against_the_swept_value() {
    let (data, charts) = sweep();
    assert!(data.numeric_sweep().is_some());
    assert_eq!(
        names(charts),
        [
            "latency_cdf",
            "throughput",
            "ready_queue",
            "sweep_latency",
            "sweep_throughput",
            "gantt_0",
            "gantt_1",
        ]
    );
    // The single-run charts show the last point and say so; the Gantt
    // charts, the first.
    for name in ["latency_cdf", "throughput", "ready_queue"] {
        let title = &chart(charts, name).title;
        assert!(title.ends_with(" at load = 0.6"), "{title}");
    }
    assert!(chart(charts, "gantt_0").title.ends_with("(load = 0.3)"));
    let latency = svg_texts(chart(charts, "sweep_latency"));
    for wanted in [
        "load",
        "latency (ms, log scale)",
        "fifo",
        "round-robin(quantum=2ms)",
        "p50 latency (median)",
        "p99 latency",
        "95% confidence interval",
    ] {
        assert_has(&latency, wanted, "sweep_latency");
    }
    let throughput = svg_texts(chart(charts, "sweep_throughput"));
    for wanted in [
        "load",
        "throughput (completions per second)",
        "fifo",
        "round-robin(quantum=2ms)",
        "95% confidence interval",
    ] {
        assert_has(&throughput, wanted, "sweep_throughput");
    }
}

#[test]
fn a_sweep_over_durations_is_drawn_in_a_readable_unit() {
    let text = SWEEP.replace(
        "load = [0.3, 0.6]",
        r#""policy.round-robin.quantum" = ["1ms", "10ms", "100ms"]"#,
    );
    let charts = plots::draw_all(&run_data(&text)).unwrap();
    let texts = svg_texts(chart(&charts, "sweep_latency"));
    assert_has(
        &texts,
        "policy.round-robin.quantum (ms, log scale)",
        "sweep_latency",
    );
    // The label changes with the quantum: the line keeps the policy's name.
    assert_has(&texts, "round-robin", "sweep_latency");
}

#[test]
fn a_grid_sweep_has_no_sweep_charts_but_names_its_last_point() {
    let text = SWEEP.replace(
        "load = [0.3, 0.6]",
        "load = [0.3, 0.6]\n\"machine.cpus\" = [1, 2]",
    );
    let data = run_data(&text);
    assert_eq!(data.numeric_sweep(), None);
    let charts = plots::draw_all(&data).unwrap();
    assert!(!names(&charts).iter().any(|n| n.starts_with("sweep_")));
    let title = &chart(&charts, "latency_cdf").title;
    assert!(
        title.ends_with(" at load = 0.6, machine.cpus = 2"),
        "{title}"
    );
}

#[test]
fn charts_are_the_same_bytes_every_time() {
    let (data, charts) = sweep();
    assert_eq!(&plots::draw_all(data).unwrap(), charts);
}

#[test]
fn a_run_with_no_rows_draws_nothing() {
    let mut data = sweep().0.clone();
    data.aggregate.clear();
    data.series.clear();
    data.cdf.clear();
    data.gantt.clear();
    assert_eq!(plots::draw_all(&data).unwrap(), Vec::new());
}
