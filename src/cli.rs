//! Command-line interface: clap arguments in, files and exit codes out. The
//! only place that touches the file system or the process.

mod console;
mod folder;
mod limits;
mod output;
mod store;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use corosim::batch::{self, BatchOptions, Cell, Shard, TaskRows};
use corosim::policy::POLICIES;
use corosim::report::files::OutputFile;
use corosim::report::run_json::FolderRecord;
use corosim::report::trace::{TraceLimit, TraceWindow};
use corosim::scenario::{Override, ScenarioError, Study};

use console::{Stdout, eprint_line};
use folder::Folder;
use store::{Plan, StartedFrom, Store};

/// A deterministic simulator of cooperative and preemptive task scheduling.
#[derive(Parser, Debug)]
#[command(name = "corosim", version, about, long_about = None, after_help = EXIT_STATUS)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print nothing but errors and what the command exists to print (the
    /// policy list, a completion script): no progress bar, no headline, no
    /// notes or warnings; `check` then only validates. Accepted by every command.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run every sweep point x policy x replication of each scenario and write the results.
    #[command(after_help = RUN_FOLDER_RULES)]
    Run(RunArgs),
    /// Validate scenarios, print them resolved, with each point's offered load and warnings.
    Check(CheckArgs),
    /// List every policy with its parameters and defaults.
    Policies,
    /// Print the JSON Schema of the scenario format (schema/corosim-scenario.schema.json), for editors.
    Schema,
    /// Combine the folders of sharded runs (--shard) into one complete run folder.
    Merge(MergeArgs),
    /// Redraw the charts and report.html of an earlier run from its CSVs.
    Plot(PlotArgs),
    /// Print a shell completion script: `corosim completions bash > ~/.local/share/bash-completion/completions/corosim`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Every command's exit status (SPEC section 1), for `--help`.
const EXIT_STATUS: &str = "\
Exit status:
  0  success
  1  a failure while running: a limit reached, a deadlock, an unwritable folder
  2  an invalid scenario or invalid arguments (nothing is written)";

/// `corosim run --help`'s account of the output folder (the README's
/// "The run folder" says the same at length).
const RUN_FOLDER_RULES: &str = "\
The output folder:
  A run writes into a new or empty folder, or one that an earlier corosim run wrote
  (it holds that run's run.json or cells/). Any other folder is refused (exit 2,
  nothing written) unless --force.
  It removes only files it wrote itself: those the previous run's run.json lists
  (data, charts, report.html), or, from a run that wrote no list, the names of
  corosim's outputs (summary.csv, ..., trace.json(.gz), run.json, report.html). Never
  another file, whatever its name (your own *.png and *.svg stay), and never
  outside the folder. A file of an earlier run that this one does not write
  (trace.json without --trace, or with --trace=gz) is removed.
  --out naming a file, or a path under one, exits 2; a folder the system refuses to
  create or write (permissions, a read-only disk) exits 1, naming it.";

#[derive(clap::Args, Debug)]
struct PlotArgs {
    /// The run folder (the --out of `corosim run`).
    dir: PathBuf,
}

#[derive(clap::Args, Debug)]
struct ScenarioArgs {
    /// Scenario files (TOML); `-` reads one from standard input (errors then
    /// name it `<stdin>`; without a `name` it is called `scenario`).
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
    /// Output folder (default: output/<scenario name>/; with several scenarios,
    /// DIR/<name>/). See "The output folder" below.
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
    /// Write into a non-empty folder that no corosim run made. corosim still
    /// removes nothing there; it replaces only files named like its outputs.
    #[arg(long)]
    force: bool,
    /// Also write the whole timeline of replication 0 of every point and policy as
    /// Chrome trace-event JSON, which opens in Perfetto: `--trace` (or `--trace=json`)
    /// writes trace.json, `--trace=gz` the same JSON gzipped as trace.json.gz
    /// (reproducible bytes: no time stamp or file name in the header).
    #[arg(
        long,
        value_name = "FORMAT",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "json"
    )]
    trace: Option<output::TraceFormat>,
    /// Trace only the virtual time FROM..TO, like 1s..2s (either end may be left
    /// out: ..500ms, 2s..); slices crossing an edge are cut there. Needs --trace.
    #[arg(long, value_name = "FROM..TO", requires = "trace")]
    trace_window: Option<TraceWindow>,
    /// Trace at most N CPU slices per run: the first N by start, and nothing from
    /// the instant the next one starts. A cut run says so in its process name and
    /// the file's otherData, and the run prints a note (not with --quiet). Needs --trace.
    #[arg(long, value_name = "N", requires = "trace", value_parser = clap::value_parser!(u64).range(1..))]
    trace_max_slices: Option<u64>,
    /// Do not draw the charts and report.html (`corosim plot DIR` draws them later).
    #[arg(long)]
    no_plots: bool,
    /// Print a text Gantt chart of the first moments of each policy's first run.
    #[arg(long)]
    gantt: bool,
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
    /// Write into a non-empty folder that no corosim run made (see `corosim run --help`).
    #[arg(long)]
    force: bool,
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
    let mut stdout = Stdout::default();
    match run(cli, &mut stdout) {
        Ok(code) => code,
        Err(e) if e.is::<Invalid>() => {
            eprint_line(e);
            ExitCode::from(2)
        }
        Err(e) => {
            eprint_line(format_args!("error: {e:#}"));
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli, stdout: &mut Stdout) -> Result<ExitCode> {
    let quiet = cli.quiet;
    match cli.command {
        Command::Run(args) => run_scenarios(args, quiet, stdout),
        Command::Check(args) => check(args, quiet, stdout),
        Command::Merge(args) => merge(args, quiet, stdout),
        Command::Plot(args) => plot(args, quiet, stdout),
        Command::Policies => {
            stdout.print(print_policies)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema => {
            let text = corosim::scenario::json_schema_text();
            stdout.print(|w| w.write_all(text.as_bytes()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            stdout.print(|w| {
                clap_complete::generate(shell, &mut command, "corosim", w);
                Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The command line as `run.json` records it. `env::args` would panic on an
/// argument that is not UTF-8 (a file name in another encoding); the record
/// is for people, so such an argument is kept with U+FFFD in place of the
/// bytes that are not text.
fn command_line() -> Vec<String> {
    std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// A scenario file's study, with the plan that reproduces it.
struct Loaded {
    study: Study,
    plan: Plan,
}

fn load_all(
    args: &ScenarioArgs,
    task_rows: TaskRows,
    trace: Option<output::TraceOutput>,
) -> Result<Vec<Loaded>, Invalid> {
    let overrides: Vec<Override> = args
        .sets
        .iter()
        .map(|s| {
            s.parse::<Override>()
                .map_err(|e| Invalid(format!("error: {e}")))
        })
        .collect::<Result<_, _>>()?;
    if args.scenarios.iter().filter(|p| is_stdin(p)).count() > 1 {
        return Err(Invalid(
            "error: `-` (standard input) is given more than once; it can be read only once".into(),
        ));
    }
    let mut loaded = Vec::new();
    for path in &args.scenarios {
        // Read once: the plan keeps exactly the text the study was built from.
        let scenario_text = read_scenario(path)?;
        let study = Study::from_text_at(&scenario_text, path, &overrides, args.seed)?;
        let plan = Plan {
            corosim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario_file: path.clone(),
            scenario_text,
            sets: args.sets.clone(),
            seed: args.seed,
            task_rows,
            trace: trace.is_some(),
            trace_output: trace.unwrap_or_default(),
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

/// Whether a scenario argument is `-`, standard input.
fn is_stdin(path: &Path) -> bool {
    path == Path::new("-")
}

/// The text of the scenario at `path`, or of standard input for `-`.
fn read_scenario(path: &Path) -> Result<String, Invalid> {
    let (text, name) = if is_stdin(path) {
        (io::read_to_string(io::stdin().lock()), "<stdin>".into())
    } else {
        (std::fs::read_to_string(path), path.display().to_string())
    };
    text.map_err(|e| Invalid(format!("error: {name}: cannot read the scenario: {e}")))
}

fn check(args: CheckArgs, quiet: bool, stdout: &mut Stdout) -> Result<ExitCode> {
    for Loaded { study, .. } in load_all(&args.scenario, TaskRows::Auto, None)? {
        if quiet {
            continue;
        }
        let base = &study.base;
        stdout.line(format_args!(
            "# {} ({}): valid",
            base.name,
            base.file.display()
        ))?;
        for point in &study.points {
            let label = if study.keys.is_empty() {
                String::new()
            } else {
                format!(" at point {} ({})", point.index, point.value)
            };
            let load = point.scenario.offered_load();
            stdout.line(format_args!("# offered load{label}: {load:.4}"))?;
            for w in point.scenario.warnings() {
                eprint_line(format_args!("warning: {}{label}: {w}", base.file.display()));
            }
        }
        stdout.line(base.resolved_toml())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_policies(out: &mut dyn Write) -> io::Result<()> {
    for p in POLICIES {
        let kind = if p.preemptive {
            "preemptive"
        } else {
            "cooperative"
        };
        writeln!(out, "{:<14} {:<12} {}", p.kind, kind, p.models)?;
        let defaults = corosim::policy::param_defaults(p.kind).unwrap_or_default();
        for (param, default) in p.params.iter().zip(defaults) {
            writeln!(out, "    {}: {}", param.name, param.meaning)?;
            writeln!(
                out,
                "        default {default}; e.g. {} = {}",
                param.name, param.example
            )?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "Every policy but work-stealing and ps also takes queues = \"global\" (default) or \"per-cpu\":"
    )?;
    writeln!(
        out,
        "one queue per CPU, an idle CPU stealing half of the longest other queue."
    )?;
    writeln!(
        out,
        "Class attributes policies read: priority (priority, priority-rr), deadline (edf),"
    )?;
    writeln!(
        out,
        "tickets (stride, lottery), nice or weight (cfs, and fairness_jain for all)."
    )?;
    Ok(())
}

fn run_scenarios(args: RunArgs, quiet: bool, stdout: &mut Stdout) -> Result<ExitCode> {
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
    let trace = args.trace.map(|format| output::TraceOutput {
        format,
        limit: TraceLimit {
            window: args.trace_window,
            max_slices: args.trace_max_slices,
        },
    });
    let loaded = load_all(&scenario_args, task_rows, trace)?;
    let mut failed = false;
    let command_line = command_line();
    let options = BatchOptions {
        jobs: args.jobs,
        task_rows,
        shard: args.shard,
        trace: trace.is_some(),
    };
    let several = loaded.len() > 1;
    // Every folder is inspected before any is written: a refused one
    // leaves the others as they were.
    let mut folders = Vec::new();
    for Loaded { study, .. } in &loaded {
        let dir = match (&args.out, several) {
            (Some(out), false) => out.clone(),
            (Some(out), true) => out.join(study.name()),
            (None, _) => Path::new("output").join(study.name()),
        };
        let folder = Folder::inspect(&dir, args.force)?;
        folders.push((dir, folder));
    }
    for (Loaded { study, plan }, (dir, folder)) in loaded.iter().zip(folders) {
        create_run_folder(&dir)?;
        let store = Store::new(&dir);
        if args.fresh {
            store.clear()?;
        }
        folder.clear(&dir)?;
        if store.start(plan)? == StartedFrom::OtherPlan && !quiet {
            eprint_line(format_args!(
                "note: {} held results of a different run (scenario or options changed); starting over",
                dir.display()
            ));
        }
        let mine = batch::plan(study)
            .len()
            .div_ceil(args.shard.map_or(1, |s| s.count as usize));
        let bar = progress_bar(mine as u64, quiet);
        let result = batch::run_with(study, &options, Some(&store), &|_: &Cell| bar.inc(1))
            .with_context(|| format!("running {}", study.base.file.display()))?;
        bar.finish_and_clear();
        if let Some(shard) = args.shard {
            failed |= limits::report_diagnostics(study, &result, quiet);
            if !quiet {
                stdout.line(format_args!(
                    "{}: shard {}/{}: {} runs in {} ({} resumed); combine the shards with `corosim merge`",
                    study.name(),
                    shard.index,
                    shard.count,
                    result.cells.len(),
                    dir.display(),
                    result.resumed
                ))?;
            }
            continue;
        }
        let trace_note =
            output::write_outputs(&dir, study, &result, &command_line, trace, !args.no_plots)?;
        if !quiet {
            stdout.print(|w| {
                output::print_headline(w, study, &result, &dir)?;
                for line in batch::headline_notes(study, &result) {
                    writeln!(w, "  {line}")?;
                }
                Ok(())
            })?;
        }
        if args.gantt {
            stdout.print(|w| print_gantts(w, study, &result.cells))?;
        }
        if let Some(note) = trace_note.filter(|_| !quiet) {
            eprint_line(note);
        }
        failed |= limits::report_diagnostics(study, &result, quiet);
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Creates a run folder that `Folder::inspect` accepted. It can still fail
/// (no permission, a read-only file system): a failure while running, exit 1.
fn create_run_folder(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the run folder {}", dir.display()))
}

/// The text Gantt chart of each policy's captured first run.
fn print_gantts(out: &mut dyn Write, study: &Study, cells: &[Cell]) -> io::Result<()> {
    for cell in cells
        .iter()
        .filter(|c| c.key.point == 0 && c.key.replication == 0)
    {
        let label = &study.points[0].scenario.policies[cell.key.policy].label;
        match corosim::report::gantt_text::render(study, cell, 100) {
            Some(chart) => writeln!(out, "\n{label}\n{chart}")?,
            None => writeln!(
                out,
                "\n{label}: no CPU timeline (processor sharing runs every task at once)"
            )?,
        }
    }
    Ok(())
}

fn plot(args: PlotArgs, quiet: bool, stdout: &mut Stdout) -> Result<ExitCode> {
    let run_json = args.dir.join(OutputFile::RunJson.name());
    let ours = match std::fs::read_to_string(&run_json) {
        Ok(text) => FolderRecord::read(&text).is_some(),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            return Err(Invalid(format!(
                "error: {} holds no complete run (no {}); run it with `corosim run` first",
                args.dir.display(),
                OutputFile::RunJson.name()
            ))
            .into());
        }
        Err(e) => return Err(e).with_context(|| format!("reading {}", run_json.display())),
    };
    if !ours {
        return Err(Invalid(format!(
            "error: {} is not a run.json that corosim wrote; `corosim plot` redraws a folder of `corosim run`",
            run_json.display()
        ))
        .into());
    }
    let written = output::redraw(&args.dir)?;
    if quiet {
        return Ok(ExitCode::SUCCESS);
    }
    stdout.line(format_args!(
        "{}: {} files drawn, report in {}",
        args.dir.display(),
        written.len(),
        args.dir.join(OutputFile::Report.name()).display()
    ))?;
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

fn merge(args: MergeArgs, quiet: bool, stdout: &mut Stdout) -> Result<ExitCode> {
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
    let folder = Folder::inspect(&dir, args.force)?;
    create_run_folder(&dir)?;
    let target = Store::new(&dir);
    folder.clear(&dir)?;
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
    let trace = plan.trace.then_some(plan.trace_output);
    let trace_note = output::write_outputs(&dir, &study, &result, &command_line(), trace, true)?;
    if let Some(note) = trace_note.filter(|_| !quiet) {
        eprint_line(note);
    }
    if !quiet {
        stdout.print(|w| {
            output::print_headline(w, &study, &result, &dir)?;
            for line in batch::headline_notes(&study, &result) {
                writeln!(w, "  {line}")?;
            }
            Ok(())
        })?;
    }
    Ok(if limits::report_diagnostics(&study, &result, quiet) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
