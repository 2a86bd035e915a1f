//! Arrival processes as the engine runs them: when each class's next task
//! arrives, and which workload key it gets. Draws come from the class's
//! `Arrivals` and `Think` streams, never from the order tasks run in.

use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp};

use crate::model::{Arrival, SimConfig};
use crate::rng::{self, Cursor, Purpose};
use crate::task::ClassId;
use crate::time::{SimDuration, SimTime};

/// A class's first arrival event(s).
pub(super) enum First {
    /// The first open arrival is at this instant.
    Open(SimTime),
    /// Every one of `clients` closed clients submits at 0.
    Closed { clients: u32 },
}

struct ClassArrivals {
    arrived: u64,
    /// Poisson: the exact (unrounded) time of the last arrival, in ns.
    last_ns: f64,
    gaps: Option<(ChaCha8Rng, Exp<f64>)>,
    think: Option<ChaCha8Rng>,
    /// Closed: the number of clients.
    clients: u64,
    /// Closed: tasks submitted by each client so far, grown as clients first
    /// submit (a run that stops at its first instant never touches the
    /// counters of four billion clients).
    jobs: Vec<u64>,
}

/// The arrival state of every class.
pub(super) struct Arrivals {
    classes: Vec<ClassArrivals>,
}

impl Arrivals {
    pub(super) fn new(config: &SimConfig) -> Self {
        let classes = config
            .classes
            .iter()
            .enumerate()
            .map(|(c, spec)| {
                let c = c as u32;
                let gaps = match spec.arrival {
                    Some(Arrival::Poisson { rate }) => Some((
                        rng::stream(config.seed, c, Purpose::Arrivals),
                        Exp::new(rate * 1e-9).expect("validated: rate > 0"),
                    )),
                    _ => None,
                };
                let (think, clients) = match spec.arrival {
                    Some(Arrival::Closed { clients, .. }) => (
                        Some(rng::stream(config.seed, c, Purpose::Think)),
                        u64::from(clients),
                    ),
                    _ => (None, 0),
                };
                ClassArrivals {
                    arrived: 0,
                    last_ns: 0.0,
                    gaps,
                    think,
                    clients,
                    jobs: Vec::new(),
                }
            })
            .collect();
        Arrivals { classes }
    }

    /// The first arrival event of every class that has arrivals, in class order.
    pub(super) fn first_events(&mut self, config: &SimConfig) -> Vec<(ClassId, First)> {
        let mut out = Vec::new();
        for (c, spec) in config.classes.iter().enumerate() {
            let class = ClassId(c as u32);
            match &spec.arrival {
                None => {}
                Some(Arrival::Closed { clients, .. })
                    if config.horizon > SimTime::ZERO && spec.count != Some(0) =>
                {
                    out.push((class, First::Closed { clients: *clients }));
                }
                Some(Arrival::Closed { .. }) => {}
                Some(_) => {
                    if let Some(t) = self.next_open(class, config) {
                        out.push((class, First::Open(t)));
                    }
                }
            }
        }
        out
    }

    /// An open arrival of `class` happens now: its workload key (its index).
    pub(super) fn take_open(&mut self, class: ClassId) -> u64 {
        let a = &mut self.classes[class.0 as usize];
        a.arrived += 1;
        a.arrived - 1
    }

    /// When the next open arrival of `class` happens, if before the horizon and
    /// within the class's `count`.
    pub(super) fn next_open(&mut self, class: ClassId, config: &SimConfig) -> Option<SimTime> {
        let spec = &config.classes[class.0 as usize];
        let a = &mut self.classes[class.0 as usize];
        let k = a.arrived;
        if spec.count.is_some_and(|n| k >= n) {
            return None;
        }
        let at = match spec.arrival.as_ref()? {
            Arrival::Poisson { .. } => {
                let (rng, exp) = a.gaps.as_mut().expect("poisson stream");
                a.last_ns += exp.sample(rng);
                if a.last_ns >= config.horizon.as_nanos() as f64 {
                    return None;
                }
                SimTime(a.last_ns.round() as u64)
            }
            Arrival::Periodic { period, offset } => {
                let t =
                    u128::from(offset.as_nanos()) + u128::from(k) * u128::from(period.as_nanos());
                SimTime(u64::try_from(t).ok()?)
            }
            Arrival::At { times } => SimTime(times.get(k as usize)?.as_nanos()),
            Arrival::Closed { .. } => return None,
        };
        (at < config.horizon).then_some(at)
    }

    /// Closed `client` of `class` submits now, if before the horizon and within
    /// `count`: the new task's workload key.
    pub(super) fn take_closed(
        &mut self,
        class: ClassId,
        client: u32,
        now: SimTime,
        config: &SimConfig,
    ) -> Option<u64> {
        let spec = &config.classes[class.0 as usize];
        let a = &mut self.classes[class.0 as usize];
        if now >= config.horizon || spec.count.is_some_and(|n| a.arrived >= n) {
            return None;
        }
        let clients = a.clients;
        if a.jobs.len() <= client as usize {
            a.jobs.resize(client as usize + 1, 0);
        }
        let job = a.jobs[client as usize];
        a.jobs[client as usize] += 1;
        a.arrived += 1;
        Some(rng::closed_key(job, u64::from(client), clients))
    }

    /// Closed `client`'s task finished now: when it submits the next one (after
    /// its think time), if before the horizon.
    pub(super) fn closed_finished(
        &mut self,
        class: ClassId,
        client: u32,
        now: SimTime,
        config: &SimConfig,
    ) -> Option<SimTime> {
        let spec = &config.classes[class.0 as usize];
        let Some(Arrival::Closed { think, .. }) = &spec.arrival else {
            return None;
        };
        let a = &mut self.classes[class.0 as usize];
        let clients = a.clients;
        let job = a.jobs[client as usize] - 1;
        let mut position = rng::task_region_start(rng::closed_key(job, u64::from(client), clients));
        let rng = a.think.as_mut().expect("think stream");
        let pause: SimDuration = Cursor::new(rng, &mut position).with(|r| think.sample(r));
        let at = now + pause;
        (at < config.horizon).then_some(at)
    }
}
