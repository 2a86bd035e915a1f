//! The only randomness in corosim: ChaCha8 streams keyed by
//! (seed, replication, class, purpose), and the per-task draw positions that
//! make every policy see the same workload.
//!
//! A replication's seed becomes the ChaCha key; the class and the purpose of the
//! draws (arrival gaps, step durations, think times, a policy's lottery) select one
//! of the 2^64 streams of that key. Within the step-duration stream each task owns
//! a region of 2^20 words addressed by its *workload key* (its arrival index, or
//! for a closed client its (job, client) pair, or for a spawned task a hash of its
//! parent's key and position), so the values a task draws depend on which task it
//! is, never on when a policy happens to run it: common random numbers.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a stream's draws are used for; part of the stream's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Purpose {
    /// Gaps between open arrivals (Poisson).
    Arrivals = 1,
    /// Durations drawn by task programs.
    Steps = 2,
    /// Think times of closed clients.
    Think = 3,
    /// Random choices made by a policy (e.g. lottery scheduling).
    Policy = 4,
}

/// Words of the step stream each task may draw before it wraps into its own
/// region's start again (2^20 words: half a million 64-bit draws).
const TASK_REGION_BITS: u32 = 20;
/// Keys of spawned tasks live above this bit, so they never meet the arrival
/// indices of root tasks (which stay below 2^47).
const SPAWNED_KEY_BIT: u64 = 1 << 47;

/// The seed of replication `replication` of a run with base seed `seed`.
///
/// Replication 0 uses the base seed itself, so the `seed` column of a
/// `summary.csv` row, passed back with `--seed` and one replication, reproduces
/// that row.
pub fn replication_seed(seed: u64, replication: u32) -> u64 {
    if replication == 0 {
        seed
    } else {
        splitmix64(seed ^ splitmix64(u64::from(replication)))
    }
}

/// A ChaCha8 stream for one (replication seed, class, purpose).
pub fn stream(replication_seed: u64, class: u32, purpose: Purpose) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(replication_seed);
    rng.set_stream((u64::from(class) << 8) | purpose as u64);
    rng
}

/// Where a task's draws start in its class's step stream.
pub fn task_region_start(workload_key: u64) -> u128 {
    u128::from(workload_key & ((1 << 48) - 1)) << TASK_REGION_BITS
}

/// The workload key of a task spawned by the task keyed `parent`, the
/// `child`-th of those it has spawned. Stable under any schedule because a task's
/// own spawn order is program order.
pub fn spawned_key(parent: u64, child: u64) -> u64 {
    SPAWNED_KEY_BIT | (splitmix64(parent.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ child) >> 17)
}

/// The workload key of the `job`-th task submitted by closed client `client` of `clients`.
pub fn closed_key(job: u64, client: u64, clients: u64) -> u64 {
    job * clients + client
}

/// A draw cursor: one task's position in a shared stream. Reading through it seeks
/// the stream only when another task drew last, so consecutive draws of one task
/// cost no more than plain sequential draws.
#[derive(Debug)]
pub struct Cursor<'a> {
    rng: &'a mut ChaCha8Rng,
    position: &'a mut u128,
}

impl<'a> Cursor<'a> {
    /// A cursor over `rng` at `position`, which it advances.
    pub fn new(rng: &'a mut ChaCha8Rng, position: &'a mut u128) -> Self {
        Cursor { rng, position }
    }

    /// Runs `f` with the stream positioned at this cursor.
    pub fn with<T>(&mut self, f: impl FnOnce(&mut ChaCha8Rng) -> T) -> T {
        if self.rng.get_word_pos() != *self.position {
            self.rng.set_word_pos(*self.position);
        }
        let value = f(self.rng);
        *self.position = self.rng.get_word_pos();
        value
    }
}

/// SplitMix64's finaliser: a bijective mix used to derive keys from small integers.
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_differ_by_class_and_purpose_and_replication() {
        let a = stream(1, 0, Purpose::Steps).next_u64();
        assert_ne!(a, stream(1, 1, Purpose::Steps).next_u64());
        assert_ne!(a, stream(1, 0, Purpose::Arrivals).next_u64());
        assert_ne!(
            a,
            stream(replication_seed(1, 1), 0, Purpose::Steps).next_u64()
        );
        assert_eq!(a, stream(1, 0, Purpose::Steps).next_u64());
    }

    #[test]
    fn cursors_give_each_task_its_own_sequence_whatever_the_interleaving() {
        let mut rng = stream(7, 0, Purpose::Steps);
        let (mut p0, mut p1) = (task_region_start(0), task_region_start(1));
        let mut first = Vec::new();
        for _ in 0..3 {
            first.push(Cursor::new(&mut rng, &mut p0).with(|r| r.next_u64()));
        }
        for _ in 0..3 {
            Cursor::new(&mut rng, &mut p1).with(|r| r.next_u64());
        }

        let mut rng = stream(7, 0, Purpose::Steps);
        let (mut q0, mut q1) = (task_region_start(0), task_region_start(1));
        let mut interleaved = Vec::new();
        for _ in 0..3 {
            Cursor::new(&mut rng, &mut q1).with(|r| r.next_u64());
            interleaved.push(Cursor::new(&mut rng, &mut q0).with(|r| r.next_u64()));
        }
        assert_eq!(first, interleaved);
    }

    #[test]
    fn replication_zero_uses_the_base_seed() {
        assert_eq!(replication_seed(42, 0), 42);
        assert_ne!(replication_seed(42, 1), replication_seed(42, 2));
    }
}
