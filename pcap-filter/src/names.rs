//! Name resolution behind a trait, plus a default implementation that
//! reads the usual files under /etc (std::fs only) and falls back to the
//! system resolver (std::net) for host names.

use std::net::IpAddr;

/// Which transport a service name was found for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortProto {
    Tcp,
    Udp,
    /// Same number for both.
    Both,
}

/// `Sync` because deeply nested expressions are parsed on a helper thread
/// with a larger stack.
pub trait Resolver: Sync {
    /// Addresses of a host, in the order getaddrinfo would return them
    /// (libpcap's `pcap_nametoaddrinfo`). Empty = unknown.
    fn host(&self, name: &str) -> Vec<IpAddr>;
    /// `pcap_nametonetaddr`: network number in host order, right-justified.
    fn network(&self, name: &str) -> Option<u32>;
    /// Port for a service name, per transport: (tcp, udp).
    fn service(&self, name: &str) -> (Option<u32>, Option<u32>);
    /// IP protocol number (`pcap_nametoproto`).
    fn protocol(&self, name: &str) -> Option<u32>;
    /// Ethernet address for a name (`pcap_ether_hostton`).
    fn ether(&self, name: &str) -> Option<[u8; 6]>;
}

/// A resolver that knows nothing: only numeric forms work.
pub struct NoResolver;

impl Resolver for NoResolver {
    fn host(&self, name: &str) -> Vec<IpAddr> {
        name.parse::<IpAddr>().map(|a| vec![a]).unwrap_or_default()
    }
    fn network(&self, _name: &str) -> Option<u32> {
        None
    }
    fn service(&self, _name: &str) -> (Option<u32>, Option<u32>) {
        (None, None)
    }
    fn protocol(&self, _name: &str) -> Option<u32> {
        None
    }
    fn ether(&self, _name: &str) -> Option<[u8; 6]> {
        None
    }
}

/// Reads /etc/hosts, /etc/networks, /etc/services, /etc/protocols and
/// /etc/ethers, and asks the system resolver for unknown host names.
pub struct SystemResolver {
    pub etc: std::path::PathBuf,
    /// Ask DNS (through std::net) for names not in the hosts file.
    pub use_dns: bool,
}

impl Default for SystemResolver {
    fn default() -> Self {
        SystemResolver {
            etc: "/etc".into(),
            use_dns: true,
        }
    }
}

/// A parsed /etc file: its non-empty lines split into words (comments cut).
type Table = std::rc::Rc<Vec<Vec<String>>>;

/// One cached file: path, modification time and length when parsed.
type Cached = (
    std::path::PathBuf,
    Option<std::time::SystemTime>,
    u64,
    Table,
);

thread_local! {
    /// Files parsed by this thread, parsed again only when their
    /// modification time or length changed (every lookup used to read
    /// and split the whole file, e.g. /etc/services for each `port http`).
    static FILES: std::cell::RefCell<Vec<Cached>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn lines(path: &std::path::Path) -> Table {
    let key = std::fs::metadata(path)
        .ok()
        .map(|m| (m.modified().ok(), m.len()));
    FILES.with(|cell| {
        let mut files = cell.borrow_mut();
        let hit = files.iter().position(|f| f.0 == path);
        if let (Some(i), Some(k)) = (hit, key) {
            if (files[i].1, files[i].2) == k {
                return files[i].3.clone();
            }
        }
        let t: Table = std::rc::Rc::new(parse_lines(path));
        match (hit, key) {
            (Some(i), Some(k)) => files[i] = (path.to_path_buf(), k.0, k.1, t.clone()),
            (Some(i), None) => {
                files.remove(i);
            }
            (None, Some(k)) => files.push((path.to_path_buf(), k.0, k.1, t.clone())),
            (None, None) => {}
        }
        t
    })
}

fn parse_lines(path: &std::path::Path) -> Vec<Vec<String>> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .filter(|v| !v.is_empty())
        .collect()
}

/// Parse a dotted network number as inet_network(3) does (1 to 4 parts).
pub fn inet_network(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut v: u32 = 0;
    for p in &parts {
        let n: u32 = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
            u32::from_str_radix(h, 16).ok()?
        } else if p.len() > 1 && p.starts_with('0') {
            u32::from_str_radix(&p[1..], 8).ok()?
        } else {
            p.parse().ok()?
        };
        if n > 255 {
            return None;
        }
        v = (v << 8) | n;
    }
    Some(v)
}

impl Resolver for SystemResolver {
    fn host(&self, name: &str) -> Vec<IpAddr> {
        if let Ok(a) = name.parse::<IpAddr>() {
            return vec![a];
        }
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for l in lines(&self.etc.join("hosts")).iter() {
            if l[1..].iter().any(|n| n.eq_ignore_ascii_case(name)) {
                match l[0].parse::<IpAddr>() {
                    Ok(a @ IpAddr::V4(_)) if !v4.contains(&a) => v4.push(a),
                    Ok(a @ IpAddr::V6(_)) if !v6.contains(&a) => v6.push(a),
                    _ => {}
                }
            }
        }
        if !v4.is_empty() || !v6.is_empty() {
            // glibc's getaddrinfo with AF_UNSPEC lists IPv6 before IPv4
            // for files lookups only when the host has v6; keep v4 first
            // as libpcap sees on Debian for /etc/hosts entries.
            let mut all = v4;
            all.extend(v6);
            return all;
        }
        if !self.use_dns || name.is_empty() || name.len() > 253 {
            return Vec::new();
        }
        use std::net::ToSocketAddrs;
        let mut out: Vec<IpAddr> = Vec::new();
        if let Ok(it) = (name, 0u16).to_socket_addrs() {
            for sa in it {
                if !out.contains(&sa.ip()) {
                    out.push(sa.ip());
                }
            }
        }
        out
    }

    fn network(&self, name: &str) -> Option<u32> {
        for l in lines(&self.etc.join("networks")).iter() {
            if l.len() >= 2 && (l[0] == name || l[2..].iter().any(|n| n == name)) {
                return inet_network(&l[1]);
            }
        }
        None
    }

    fn service(&self, name: &str) -> (Option<u32>, Option<u32>) {
        let mut tcp = None;
        let mut udp = None;
        for l in lines(&self.etc.join("services")).iter() {
            if l.len() < 2 || !(l[0] == name || l[2..].iter().any(|n| n == name)) {
                continue;
            }
            let Some((port, proto)) = l[1].split_once('/') else {
                continue;
            };
            let Ok(port) = port.parse::<u32>() else {
                continue;
            };
            match proto {
                "tcp" if tcp.is_none() => tcp = Some(port),
                "udp" if udp.is_none() => udp = Some(port),
                _ => {}
            }
        }
        (tcp, udp)
    }

    fn protocol(&self, name: &str) -> Option<u32> {
        for l in lines(&self.etc.join("protocols")).iter() {
            if l.len() >= 2 && (l[0] == name || l[2..].iter().any(|n| n == name)) {
                return l[1].parse().ok();
            }
        }
        None
    }

    fn ether(&self, name: &str) -> Option<[u8; 6]> {
        for l in lines(&self.etc.join("ethers")).iter() {
            if l.len() >= 2 && l[1] == name {
                let p: Vec<&str> = l[0].split(':').collect();
                if p.len() == 6 {
                    let mut e = [0u8; 6];
                    for (i, x) in p.iter().enumerate() {
                        e[i] = u8::from_str_radix(x, 16).ok()?;
                    }
                    return Some(e);
                }
            }
        }
        None
    }
}
