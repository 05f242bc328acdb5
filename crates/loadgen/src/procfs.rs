//! Resident memory and CPU time of processes, from `/proc` (Linux only;
//! elsewhere every reading is `None`).

/// `VmRSS` of a process in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User + system CPU time of a process in clock ticks (`utime` + `stime`).
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    stat_ticks(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// CPU ticks of a process and its direct children (a PostgreSQL postmaster
/// and its backends). Children that exited are not counted.
pub fn tree_cpu_ticks(pid: u32) -> Option<u64> {
    let own = cpu_ticks(pid)?;
    let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    let mut sum = own;
    for child in children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()) {
        sum += cpu_ticks(child).unwrap_or(0);
    }
    Some(sum)
}

/// CPU ticks of this process.
pub fn own_cpu_ticks() -> Option<u64> {
    stat_ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

/// The 1-minute load average of the machine (other work competing for the cores).
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

/// Clock ticks per second (`USER_HZ`); 100 on every Linux this runs on.
pub const TICKS_PER_SEC: f64 = 100.0;

fn stat_ticks(stat: &str) -> Option<u64> {
    // The command name may contain spaces; fields are counted after its `)`.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After `)`: state is field 3 of the full line, utime 14 and stime 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Sum over processes; `None` when any of them cannot be read (or none is given).
pub fn sum(pids: &[u32], read: fn(u32) -> Option<u64>) -> Option<u64> {
    if pids.is_empty() {
        return None;
    }
    pids.iter().map(|&pid| read(pid)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_after_the_command_name() {
        let line = "123 (a b) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0";
        assert_eq!(stat_ticks(line), Some(300));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_this_process() {
        let pid = std::process::id();
        assert!(rss_kib(pid).unwrap() > 0);
        assert!(cpu_ticks(pid).is_some());
        assert!(own_cpu_ticks().is_some());
        assert!(load_average().is_some());
        assert!(tree_cpu_ticks(pid).is_some());
        assert_eq!(sum(&[], rss_kib), None);
    }
}
