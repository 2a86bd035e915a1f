//! Command-line interface: clap arguments in, files and exit codes out. The
//! only place that touches the file system or the process.

mod limits;
mod output;
mod store;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use corosim::batch::{self, BatchOptions, Cell, Shard, TaskRows};
use corosim::policy::POLICIES;
use corosim::report::files::OutputFile;
use corosim::scenario::{Override, ScenarioError, Study};

use store::{Plan, StartedFrom, Store};

/// A deterministic simulator of cooperative and preemptive task scheduling.
#[derive(Parser, Debug)]
#[command(name = "corosim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run every sweep point x policy x replication of each scenario and write the results.
    Run(RunArgs),
    /// Validate scenarios, print them resolved, with each point's offered load and warnings.
    Check(CheckArgs),
    /// List every policy with its parameters and defaults.
    Policies,
    /// Combine the folders of sharded runs (--shard) into one complete run folder.
    Merge(MergeArgs),
    /// Redraw the charts and report.html of an earlier run from its CSVs.
    Plot(PlotArgs),
}

#[derive(clap::Args, Debug)]
struct PlotArgs {
    /// The run folder (the --out of `corosim run`).
    dir: PathBuf,
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
    /// Run only the I-th of N slices of the runs (1 <= I <= N); combine the folders with `corosim merge`.
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// Discard the results of an interrupted run in the output folder instead of resuming it.
    #[arg(long)]
    fresh: bool,
    /// Also write trace.json (Chrome trace-event format, opens in Perfetto): the whole
    /// timeline of replication 0 of every point and policy.
    #[arg(long)]
    trace: bool,
    /// Do not draw the charts and report.html (`corosim plot DIR` draws them later).
    #[arg(long)]
    no_plots: bool,
    /// Print a text Gantt chart of the first moments of each policy's first run.
    #[arg(long)]
    gantt: bool,
    /// Print nothing but errors (no progress bar).
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    limits: limits::LimitArgs,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
}

#[derive(clap::Args, Debug)]
struct MergeArgs {
    /// Run folders of the shards (the --out of each `corosim run --shard`).
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// The combined run folder (default: output/<scenario name>/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long)]
    quiet: bool,
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
        Command::Merge(args) => merge(args),
        Command::Plot(args) => plot(args),
        Command::Policies => {
            print_policies();
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A scenario file's study, with the plan that reproduces it.
struct Loaded {
    study: Study,
    plan: Plan,
}

fn load_all(args: &ScenarioArgs, task_rows: TaskRows, trace: bool) -> Result<Vec<Loaded>, Invalid> {
    let overrides: Vec<Override> = args
        .sets
        .iter()
        .map(|s| {
            s.parse::<Override>()
                .map_err(|e| Invalid(format!("error: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let mut loaded = Vec::new();
    for path in &args.scenarios {
        // Read once: the plan keeps exactly the text the study was built from.
        let scenario_text = std::fs::read_to_string(path).map_err(|e| {
            Invalid(format!(
                "error: {}: cannot read the scenario: {e}",
                path.display()
            ))
        })?;
        let study = Study::from_text_at(&scenario_text, path, &overrides, args.seed)?;
        let plan = Plan {
            corosim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario_file: path.clone(),
            scenario_text,
            sets: args.sets.clone(),
            seed: args.seed,
            task_rows,
            trace,
        };
        loaded.push(Loaded { study, plan });
    }
    let mut names: Vec<&str> = loaded.iter().map(|l| l.study.name()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(Invalid(format!(
            "error: two scenarios are named `{}`; their outputs would collide",
            w[0]
        )));
    }
    Ok(loaded)
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    for Loaded { study, .. } in load_all(&args.scenario, TaskRows::Auto, false)? {
        let base = &study.base;
        println!("# {} ({}): valid", base.name, base.file.display());
        for point in &study.points {
            let label = if study.keys.is_empty() {
                String::new()
            } else {
                format!(" at point {} ({})", point.index, point.value)
            };
            let load = point.scenario.offered_load();
            println!("# offered load{label}: {load:.4}");
            for w in point.scenario.warnings() {
                eprintln!("warning: {}{label}: {w}", base.file.display());
            }
        }
        println!("{}", base.resolved_toml());
    }
    Ok(ExitCode::SUCCESS)
}

fn print_policies() {
    for p in POLICIES {
        let kind = if p.preemptive {
            "preemptive"
        } else {
            "cooperative"
        };
        println!("{:<14} {:<12} {}", p.kind, kind, p.models);
        let defaults = corosim::policy::param_defaults(p.kind).unwrap_or_default();
        for (param, default) in p.params.iter().zip(defaults) {
            println!("    {}: {}", param.name, param.meaning);
            println!(
                "        default {default}; e.g. {} = {}",
                param.name, param.example
            );
        }
    }
    println!();
    println!(
        "Every policy but work-stealing and ps also takes queues = \"global\" (default) or \"per-cpu\":"
    );
    println!("one queue per CPU, an idle CPU stealing half of the longest other queue.");
    println!("Class attributes policies read: priority (priority, priority-rr), deadline (edf),");
    println!("tickets (stride, lottery), nice or weight (cfs, and fairness_jain for all).");
}

fn run_scenarios(args: RunArgs) -> Result<ExitCode> {
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
    let mut scenario_args = args.scenario;
    scenario_args.sets.extend(args.limits.sets());
    let loaded = load_all(&scenario_args, task_rows, args.trace)?;
    let mut failed = false;
    let command_line: Vec<String> = std::env::args().collect();
    let options = BatchOptions {
        jobs: args.jobs,
        task_rows,
        shard: args.shard,
        trace: args.trace,
    };
    let several = loaded.len() > 1;
    for Loaded { study, plan } in &loaded {
        let dir = match (&args.out, several) {
            (Some(out), false) => out.clone(),
            (Some(out), true) => out.join(study.name()),
            (None, _) => Path::new("output").join(study.name()),
        };
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let store = Store::new(&dir);
        if args.fresh {
            store.clear()?;
        }
        output::remove_outputs(&dir)?;
        output::remove_drawings(&dir)?;
        if store.start(plan)? == StartedFrom::OtherPlan && !args.quiet {
            eprintln!(
                "note: {} held results of a different run (scenario or options changed); starting over",
                dir.display()
            );
        }
        let mine = batch::plan(study)
            .len()
            .div_ceil(args.shard.map_or(1, |s| s.count as usize));
        let bar = progress_bar(mine as u64, args.quiet);
        let result = batch::run_with(study, &options, Some(&store), &|_: &Cell| bar.inc(1))
            .with_context(|| format!("running {}", study.base.file.display()))?;
        bar.finish_and_clear();
        if let Some(shard) = args.shard {
            failed |= limits::report_diagnostics(study, &result, args.quiet);
            if !args.quiet {
                println!(
                    "{}: shard {}/{}: {} runs in {} ({} resumed); combine the shards with `corosim merge`",
                    study.name(),
                    shard.index,
                    shard.count,
                    result.cells.len(),
                    dir.display(),
                    result.resumed
                );
            }
            continue;
        }
        output::write_outputs(&dir, study, &result, &command_line, args.trace)?;
        if !args.no_plots {
            output::draw_report(&dir)?;
        }
        if !args.quiet {
            output::print_headline(study, &result, &dir);
            for line in batch::headline_notes(study, &result) {
                println!("  {line}");
            }
        }
        if args.gantt {
            print_gantts(study, &result.cells);
        }
        failed |= limits::report_diagnostics(study, &result, args.quiet);
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The text Gantt chart of each policy's captured first run.
fn print_gantts(study: &Study, cells: &[Cell]) {
    for cell in cells
        .iter()
        .filter(|c| c.key.point == 0 && c.key.replication == 0)
    {
        let label = &study.points[0].scenario.policies[cell.key.policy].label;
        match corosim::report::gantt_text::render(study, cell, 100) {
            Some(chart) => println!("\n{label}\n{chart}"),
            None => {
                println!("\n{label}: no CPU timeline (processor sharing runs every task at once)")
            }
        }
    }
}

fn plot(args: PlotArgs) -> Result<ExitCode> {
    let run_json = OutputFile::RunJson.name();
    if !args.dir.join(run_json).exists() {
        return Err(Invalid(format!(
            "error: {} holds no complete run (no {run_json}); run it with `corosim run` first",
            args.dir.display()
        ))
        .into());
    }
    output::remove_drawings(&args.dir)?;
    let written = output::draw_report(&args.dir)?;
    println!(
        "{}: {} files drawn, report in {}",
        args.dir.display(),
        written.len(),
        args.dir.join(OutputFile::Report.name()).display()
    );
    Ok(ExitCode::SUCCESS)
}

/// A progress bar on a terminal; hidden when quiet, in CI, or when stderr is
/// not a terminal.
fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || std::env::var_os("CI").is_some() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:40} {pos}/{len} runs, {elapsed} elapsed, about {eta} left",
    ) {
        bar.set_style(style);
    }
    bar
}

fn merge(args: MergeArgs) -> Result<ExitCode> {
    let mut plans = Vec::new();
    for dir in &args.shards {
        let plan = Store::new(dir).plan()?.ok_or_else(|| {
            Invalid(format!(
                "error: {} holds no run (no cells/plan.json)",
                dir.display()
            ))
        })?;
        plans.push(plan);
    }
    if let Some(other) = plans.iter().position(|p| *p != plans[0]) {
        return Err(Invalid(format!(
            "error: {} and {} are runs of different scenarios or options",
            args.shards[0].display(),
            args.shards[other].display()
        ))
        .into());
    }
    let plan = &plans[0];
    let study = plan.study().map_err(Invalid::from)?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(study.name()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let target = Store::new(&dir);
    output::remove_outputs(&dir)?;
    output::remove_drawings(&dir)?;
    target.start(plan)?;
    let sources: Vec<Store> = args.shards.iter().map(|d| Store::new(d)).collect();
    let mut missing = 0;
    for key in batch::plan(&study) {
        if target.cell_file(&key).is_some() {
            continue;
        }
        match sources.iter().find_map(|s| s.cell_file(&key)) {
            Some(file) => {
                let bytes =
                    std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
                let to = dir
                    .join("cells")
                    .join(file.file_name().expect("a cell file has a name"));
                output::write_atomically(&to, |w| Ok(std::io::Write::write_all(w, &bytes)?))?;
            }
            None => missing += 1,
        }
    }
    if missing > 0 {
        anyhow::bail!(
            "{missing} of {} runs are in none of the shard folders: run the missing shards, then merge again",
            batch::plan(&study).len()
        );
    }
    let options = BatchOptions {
        jobs: Some(1),
        task_rows: plan.task_rows,
        shard: None,
        trace: plan.trace,
    };
    let result = batch::run_with(&study, &options, Some(&target), &|_: &Cell| {})?;
    let command_line: Vec<String> = std::env::args().collect();
    output::write_outputs(&dir, &study, &result, &command_line, plan.trace)?;
    output::draw_report(&dir)?;
    if !args.quiet {
        output::print_headline(&study, &result, &dir);
        for line in batch::headline_notes(&study, &result) {
            println!("  {line}");
        }
    }
    Ok(if limits::report_diagnostics(&study, &result, args.quiet) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
