//! Command-line interface: clap arguments in, files and exit codes out. The
//! only place that touches the file system or the process.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use corosim::batch::{self, BatchOptions, BatchResult, TaskRows};
use corosim::policy::POLICIES;
use corosim::report::{csv_out, number, run_json::RunInfo};
use corosim::scenario::{Override, Scenario, ScenarioError};

/// A deterministic simulator of cooperative and preemptive task scheduling.
#[derive(Parser, Debug)]
#[command(name = "corosim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run every policy x replication of each scenario and write CSVs.
    Run(RunArgs),
    /// Validate scenarios, print them resolved, with their offered load and warnings.
    Check(CheckArgs),
    /// List every policy with its parameters and defaults.
    Policies,
}

#[derive(clap::Args, Debug)]
struct ScenarioArgs {
    /// Scenario files (TOML).
    #[arg(required = true)]
    scenarios: Vec<PathBuf>,
    /// Override the scenario's base seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Override any scenario value by its dotted path, e.g. machine.cpus=4.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// Output folder (default: output/<scenario name>/; with several scenarios, DIR/<name>/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Runs in parallel (default: all cores). Results do not depend on it.
    #[arg(long)]
    jobs: Option<usize>,
    /// Always write tasks.csv (default: when the run has at most 1,000,000 task rows).
    #[arg(long, conflicts_with = "no_tasks_csv")]
    tasks_csv: bool,
    /// Never write tasks.csv (long runs then use bounded memory).
    #[arg(long)]
    no_tasks_csv: bool,
    /// Print nothing but errors.
    #[arg(long)]
    quiet: bool,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
}

/// Bad input: exit 2, nothing written.
#[derive(Debug)]
struct Invalid(String);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Invalid {}

impl From<ScenarioError> for Invalid {
    fn from(e: ScenarioError) -> Self {
        Invalid(e.to_string())
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) if e.is::<Invalid>() => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run_scenarios(args),
        Command::Check(args) => check(args),
        Command::Policies => {
            print_policies();
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn load_all(args: &ScenarioArgs) -> Result<Vec<Scenario>, Invalid> {
    let overrides: Vec<Override> = args
        .sets
        .iter()
        .map(|s| {
            s.parse::<Override>()
                .map_err(|e| Invalid(format!("error: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let mut scenarios = Vec::new();
    for path in &args.scenarios {
        let mut s = Scenario::load(path, &overrides)?;
        if let Some(seed) = args.seed {
            s.set_seed(seed);
        }
        scenarios.push(s);
    }
    let mut names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(Invalid(format!(
            "error: two scenarios are named `{}`; their outputs would collide",
            w[0]
        )));
    }
    Ok(scenarios)
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    let scenarios = load_all(&args.scenario)?;
    for s in &scenarios {
        println!("# {} ({}): valid", s.name, s.file.display());
        println!("# offered load: {:.4}", s.offered_load());
        for w in s.warnings() {
            eprintln!("warning: {}: {w}", s.file.display());
        }
        println!("{}", s.resolved_toml());
    }
    Ok(ExitCode::SUCCESS)
}

fn print_policies() {
    for p in POLICIES {
        let kind = if p.preemptive { "preemptive" } else { "cooperative" };
        println!("{:<14} {:<12} {}", p.kind, kind, p.models);
        for param in p.params {
            println!("    {}: {}", param.name, param.meaning);
            println!("        default {}; e.g. {} = {}", param.default, param.name, param.example);
        }
    }
    println!();
    println!("Every policy but work-stealing and ps also takes queues = \"global\" (default) or \"per-cpu\":");
    println!("one queue per CPU, an idle CPU stealing half of the longest other queue.");
    println!("Class attributes policies read: priority (priority, priority-rr), deadline (edf),");
    println!("tickets (stride, lottery), nice or weight (cfs, and fairness_jain for all).");
}

fn run_scenarios(args: RunArgs) -> Result<ExitCode> {
    let scenarios = load_all(&args.scenario)?;
    let command_line: Vec<String> = std::env::args().collect();
    let task_rows = if args.tasks_csv {
        TaskRows::Always
    } else if args.no_tasks_csv {
        TaskRows::Never
    } else {
        TaskRows::Auto
    };
    if args.jobs == Some(0) {
        return Err(Invalid("error: --jobs must be at least 1".into()).into());
    }
    let options = BatchOptions {
        jobs: args.jobs,
        task_rows,
    };
    for scenario in &scenarios {
        let dir = match (&args.out, scenarios.len()) {
            (Some(out), 1) => out.clone(),
            (Some(out), _) => out.join(&scenario.name),
            (None, _) => Path::new("output").join(&scenario.name),
        };
        let result = batch::run(scenario, &options)
            .with_context(|| format!("running {}", scenario.file.display()))?;
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        // run.json is written last and marks a complete run: remove the
        // previous run's files first, so a run interrupted while writing never
        // leaves old and new files side by side looking complete.
        for stale in ["run.json", "summary.csv", "tasks.csv"] {
            let path = dir.join(stale);
            if path.exists() {
                fs::remove_file(&path)
                    .with_context(|| format!("removing the previous {}", path.display()))?;
            }
        }
        write_atomically(&dir.join("summary.csv"), |w| {
            csv_out::write_summary(w, scenario, &result).map_err(Into::into)
        })?;
        if result.has_tasks {
            write_atomically(&dir.join("tasks.csv"), |w| {
                csv_out::write_tasks(w, scenario, &result).map_err(Into::into)
            })?;
        }
        let info = RunInfo::new(scenario, &result, &command_line, result.has_tasks);
        write_atomically(&dir.join("run.json"), |mut w| {
            serde_json::to_writer_pretty(&mut w, &info)?;
            writeln!(w)?;
            Ok(())
        })?;
        if !args.quiet {
            print_headline(scenario, &result, &dir);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes to a temporary name beside `path` and renames it into place once
/// complete, so an interrupted run never leaves a file that looks finished.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<fs::File>) -> Result<()>,
) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.partial"));
    let result = (|| {
        let file = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        let mut w = BufWriter::new(file);
        write(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
            .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("writing {}", path.display()))
}

fn print_headline(scenario: &Scenario, result: &BatchResult, dir: &Path) {
    let mut out = io::stdout().lock();
    let _ = writeln!(
        out,
        "{}: {} runs, {} events in {:.2}s ({:.1}M events/s) -> {}",
        scenario.name,
        result.cells.len(),
        result.events(),
        result.wall.as_secs_f64(),
        result.events() as f64 / result.wall.as_secs_f64().max(1e-9) / 1e6,
        dir.display()
    );
    let _ = writeln!(
        out,
        "  {:<32} {:>4} {:>10} {:>12} {:>12} {:>12} {:>6}",
        "policy", "rep", "completed", "mean (s)", "p99 (s)", "max (s)", "util"
    );
    for cell in &result.cells {
        let Some(all) = cell.summaries.last() else {
            continue;
        };
        let _ = writeln!(
            out,
            "  {:<32} {:>4} {:>10} {:>12} {:>12} {:>12} {:>6.3}",
            scenario.policies[cell.policy].label,
            cell.replication,
            all.completed,
            short(all.latency_mean_s),
            short(all.latency_p99_s),
            short(all.latency_max_s),
            all.cpu_utilization
        );
    }
}

fn short(x: Option<f64>) -> String {
    match x {
        Some(v) => format!("{v:.6}"),
        None => number(None),
    }
}
