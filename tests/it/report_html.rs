//! `report.html` in a real browser: a small run's report, opened from disk by
//! headless Chromium, must load every image, log nothing to the console, and
//! render (a screenshot is taken into the test's folder).
//!
//! Without a browser (`chromium`, `chromium-browser` or `google-chrome`) the
//! test says so and passes, unless `COROSIM_REQUIRE_BROWSER=1`, which `.ci/run`
//! sets after installing Debian's `chromium`: there it fails instead.
//! `CHROMIUM=/path/to/chrome` picks another browser binary;
//! `COROSIM_REPORT_DIR=dir` keeps the report and its screenshot in `dir`
//! instead of a temporary folder, to look at them.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use corosim::report::{html, plots};

/// Two classes, three policies, three replications, two sweep points; the
/// labels carry characters that need escaping.
const SCENARIO: &str = r#"name = "report <check> & co"
description = """
Short requests & long batch jobs under the asyncio loop, round robin and
processor sharing: does the <report> show them all?

A second paragraph."""
seed = 3
horizon = "2s"
warmup = "200ms"
replications = 3

[machine]
cpus = 2

[[policy]]
kind = "fifo"

[[policy]]
kind = "round-robin"
quantum = "2ms"

[[policy]]
kind = "ps"

[[task]]
name = "web"
arrival = { process = "poisson", rate = 400.0 }
program = [ { compute = { exp = "1ms" } }, { sleep = "2ms" }, { compute = "300us" } ]

[[task]]
name = "batch"
arrival = { process = "poisson", rate = 20.0 }
program = [ { compute = { exp = "20ms" } } ]

[sweep]
load = [0.5, 0.8]
"#;

/// How long one Chromium invocation may take.
const BROWSER_LIMIT: Duration = Duration::from_secs(120);

/// The report page of a real run of `SCENARIO`, and its number of charts.
fn report() -> (String, usize) {
    let (data, paired) = crate::support::run_data(SCENARIO, "report.toml");
    let charts = plots::draw_all(&data).expect("charts drawn");
    (html::render(&data, &charts, Some(&paired)), charts.len())
}

/// The browsers looked for, in this order, on `PATH` (and in `/usr/bin`):
/// Debian's and Ubuntu's Chromium, then Google Chrome.
const BROWSERS: [&str; 4] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
];

/// The browser `CHROMIUM` names, or the first of `BROWSERS` found.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .collect();
    BROWSERS
        .iter()
        .flat_map(|name| dirs.iter().map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Whether a missing browser fails the test (`COROSIM_REQUIRE_BROWSER` set
/// to anything but empty or `0`; `.ci/run` sets it) instead of skipping it.
fn browser_required() -> bool {
    std::env::var_os("COROSIM_REQUIRE_BROWSER").is_some_and(|v| !v.is_empty() && v != "0")
}

/// What one headless Chromium invocation printed.
struct Browser {
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium with `args` after the flags this machine needs (no
/// network, a fresh profile), output into files in `dir`, within
/// `BROWSER_LIMIT`.
fn run_chromium(chromium: &Path, dir: &Path, name: &str, args: &[String]) -> Browser {
    let profile = dir.join(format!("{name}-profile"));
    let (out, err) = (
        dir.join(format!("{name}.stdout")),
        dir.join(format!("{name}.stderr")),
    );
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(File::create(&out).unwrap())
        .stderr(File::create(&err).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", chromium.display()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > BROWSER_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "Chromium ({name}) took over {BROWSER_LIMIT:?}; its stderr:\n{}",
                fs::read_to_string(&err).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let browser = Browser {
        stdout: fs::read_to_string(&out).unwrap(),
        stderr: fs::read_to_string(&err).unwrap(),
    };
    assert!(
        status.success(),
        "Chromium ({name}) exited with {status}; its stderr:\n{}",
        browser.stderr
    );
    let _ = fs::remove_dir_all(profile);
    browser
}

/// The text of the element with id `id` in a dumped DOM (no nested tags).
fn element_text<'a>(dom: &'a str, id: &str) -> Option<&'a str> {
    let at = dom.find(&format!("id=\"{id}\""))?;
    let rest = &dom[at..];
    let start = rest.find('>')? + 1;
    let end = rest[start..].find('<')? + start;
    Some(&rest[start..end])
}

#[test]
fn report_loads_every_image_in_chromium_without_console_errors() {
    let (page, charts) = report();
    assert!(charts > 0, "the run drew no chart");
    assert_eq!(page.matches("<img ").count(), charts);

    let Some(chromium) = chromium() else {
        assert!(
            !browser_required(),
            "COROSIM_REQUIRE_BROWSER is set and no browser was found (looked for {} on PATH \
             and in /usr/bin; CHROMIUM=/path/to/chrome names another)",
            BROWSERS.join(", ")
        );
        eprintln!(
            "no browser found ({}): install Debian's chromium (.ci/run does) to run the \
             browser test; COROSIM_REQUIRE_BROWSER=1 makes this a failure",
            BROWSERS.join(", ")
        );
        return;
    };
    let temp = tempfile::tempdir().unwrap();
    let dir = match std::env::var_os("COROSIM_REPORT_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => temp.path().to_path_buf(),
    };
    fs::create_dir_all(&dir).unwrap();
    let dir = dir.canonicalize().unwrap();
    let report = dir.join("report.html");
    fs::write(&report, &page).unwrap();
    let url = format!("file://{}", report.display());

    // The page as the browser left it: the self-check has run.
    let dom = run_chromium(&chromium, &dir, "dom", &["--dump-dom".into(), url.clone()]);
    let verdict = element_text(&dom.stdout, "self-check").unwrap_or_else(|| {
        panic!(
            "no #self-check in the dumped DOM ({} bytes)",
            dom.stdout.len()
        )
    });
    let images = if charts == 1 { "image" } else { "images" };
    assert_eq!(verdict, format!("all {charts} {images} loaded"));
    assert!(
        dom.stdout.contains(
            "<h1><span class=\"tool\">corosim:</span> report &lt;check&gt; &amp; co</h1>"
        )
    );
    // Chromium logs every console message (log, warning, error, uncaught
    // exception) as `[pid:tid:MMDD/HHMMSS.micros:INFO:CONSOLE:line] "text",
    // source: url (line)`, at the same level whatever the kind: the page logs
    // nothing, so any such line is a failure.
    let console: Vec<&str> = dom
        .stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .collect();
    assert!(
        console.is_empty(),
        "the page logged to the console:\n{}",
        console.join("\n")
    );

    // A screenshot, for people to look at.
    let screenshot = dir.join("report.png");
    let _ = fs::remove_file(&screenshot);
    run_chromium(
        &chromium,
        &dir,
        "screenshot",
        &[
            format!("--screenshot={}", screenshot.display()),
            "--window-size=1280,2400".into(),
            url,
        ],
    );
    let decoder = png::Decoder::new(File::open(&screenshot).expect("a screenshot"));
    let info = decoder.read_info().expect("the screenshot is a PNG");
    assert_eq!(
        (info.info().width, info.info().height),
        (1280, 2400),
        "screenshot size"
    );
    eprintln!("report and screenshot: {}", dir.display());
}
