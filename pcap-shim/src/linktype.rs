//! Link-layer types of named capture devices: libpcap 1.10.3's mapping
//! from a Linux device's ARPHRD type (`/sys/class/net/DEV/type`) to the
//! DLTs the capture offers, and whether it captures "cooked" (a SOCK_DGRAM
//! socket, frames behind a `DLT_LINUX_SLL` header built from the kernel's
//! `sockaddr_ll`). Learnt from libpcap's documented behaviour and checked
//! against Debian's libpcap 1.10.3 (c-tests/pcap/live-arphrd.sh).

/// What a device offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The DLTs, the default first.
    pub dlts: Vec<i32>,
    /// Cooked capture: frames carry a 16-byte LINUX_SLL header.
    pub cooked: bool,
    /// The ARPHRD type is not one libpcap knows: cooked, with the warning
    /// "arptype N not supported by libpcap - falling back to cooked socket"
    /// left in the handle's error buffer.
    pub unknown: bool,
}

/// DLT numbers used by the mapping (pcap/dlt.h).
pub mod dlt {
    pub const EN10MB: i32 = 1;
    pub const EN3MB: i32 = 2;
    pub const PRONET: i32 = 4;
    pub const CHAOS: i32 = 5;
    pub const IEEE802: i32 = 6;
    pub const FDDI: i32 = 10;
    pub const RAW: i32 = 12;
    pub const C_HDLC: i32 = 104;
    pub const IEEE802_11: i32 = 105;
    pub const FRELAY: i32 = 107;
    pub const LINUX_SLL: i32 = 113;
    pub const LINUX_SLL2: i32 = 276;
    pub const LTALK: i32 = 114;
    pub const PRISM_HEADER: i32 = 119;
    pub const IP_OVER_FC: i32 = 122;
    pub const IEEE802_11_RADIO: i32 = 127;
    pub const ARCNET_LINUX: i32 = 129;
    pub const DOCSIS: i32 = 143;
    pub const LINUX_IRDA: i32 = 144;
    pub const LINUX_LAPD: i32 = 177;
    pub const AX25_KISS: i32 = 202;
    pub const FC_2: i32 = 224;
    pub const FC_2_WITH_FRAME_DELIMS: i32 = 225;
    pub const CAN_SOCKETCAN: i32 = 227;
    pub const IEEE802_15_4_NOFCS: i32 = 230;
    pub const NETLINK: i32 = 253;
    pub const VSOCK: i32 = 271;
}

/// ARPHRD types with a mapping of their own (linux/if_arp.h).
pub mod arphrd {
    pub const NETROM: u32 = 0;
    pub const ETHER: u32 = 1;
    pub const EETHER: u32 = 2;
    pub const AX25: u32 = 3;
    pub const PRONET: u32 = 4;
    pub const CHAOS: u32 = 5;
    pub const IEEE802: u32 = 6;
    pub const ARCNET: u32 = 7;
    pub const DLCI: u32 = 15;
    pub const IP_OVER_FC: u32 = 18;
    pub const ATM: u32 = 19;
    pub const METRICOM: u32 = 23;
    pub const CAN: u32 = 280;
    pub const SLIP: u32 = 256;
    pub const CSLIP: u32 = 257;
    pub const SLIP6: u32 = 258;
    pub const CSLIP6: u32 = 259;
    pub const ADAPT: u32 = 264;
    pub const PPP: u32 = 512;
    pub const CISCO: u32 = 513;
    pub const RAWHDLC: u32 = 518;
    pub const TUNNEL: u32 = 768;
    pub const FRAD: u32 = 770;
    pub const LOOPBACK: u32 = 772;
    pub const LOCALTLK: u32 = 773;
    pub const FDDI: u32 = 774;
    pub const SIT: u32 = 776;
    pub const IPGRE: u32 = 778;
    pub const IRDA: u32 = 783;
    pub const FCPP: u32 = 784;
    pub const FCAL: u32 = 785;
    pub const FCPL: u32 = 786;
    pub const FCFABRIC: u32 = 787;
    pub const IEEE802_TR: u32 = 800;
    pub const IEEE80211: u32 = 801;
    pub const IEEE80211_PRISM: u32 = 802;
    pub const IEEE80211_RADIOTAP: u32 = 803;
    pub const IEEE802154: u32 = 804;
    pub const NETLINK: u32 = 824;
    pub const VSOCKMON: u32 = 826;
    pub const LAPD: u32 = 8445;
    pub const NONE: u32 = 0xfffe;
}

/// The link of device `dev` whose ARPHRD type is `hw`; `wifi`: the device
/// has a `wireless` directory in sysfs (then Ethernet framing offers no
/// DOCSIS).
pub fn for_arphrd(hw: u32, dev: &str, wifi: bool) -> Link {
    use arphrd as a;
    let raw = |dlts: &[i32]| Link {
        dlts: dlts.to_vec(),
        cooked: false,
        unknown: false,
    };
    let cooked = |d: i32| Link {
        dlts: vec![d],
        cooked: true,
        unknown: false,
    };
    match hw {
        a::ETHER => {
            // Mobile-network devices that claim Ethernet but carry bare IP.
            if dev.starts_with("cdma_rmnet") {
                raw(&[dlt::RAW])
            } else if dev.starts_with("isdn") || dev.starts_with("isdY") {
                // ISDN devices: cooked, whatever their framing; libpcap
                // 1.10.3 then offers LINUX_SLL2 too, unless the device is
                // wireless (its Ethernet DLT list had only one entry).
                let mut l = cooked(dlt::LINUX_SLL);
                if !wifi {
                    l.dlts.push(dlt::LINUX_SLL2);
                }
                l
            } else if wifi {
                raw(&[dlt::EN10MB])
            } else {
                raw(&[dlt::EN10MB, dlt::DOCSIS])
            }
        }
        a::METRICOM | a::LOOPBACK => raw(&[dlt::EN10MB]),
        a::EETHER => raw(&[dlt::EN3MB]),
        a::AX25 => raw(&[dlt::AX25_KISS]),
        a::PRONET => raw(&[dlt::PRONET]),
        a::CHAOS => raw(&[dlt::CHAOS]),
        a::CAN => raw(&[dlt::CAN_SOCKETCAN]),
        a::IEEE802_TR | a::IEEE802 => raw(&[dlt::IEEE802]),
        a::ARCNET => raw(&[dlt::ARCNET_LINUX]),
        a::FDDI => raw(&[dlt::FDDI]),
        a::ATM | a::PPP => cooked(dlt::LINUX_SLL),
        a::IEEE80211 => raw(&[dlt::IEEE802_11]),
        a::IEEE80211_PRISM => raw(&[dlt::PRISM_HEADER]),
        a::IEEE80211_RADIOTAP => raw(&[dlt::IEEE802_11_RADIO]),
        a::CISCO => raw(&[dlt::C_HDLC]),
        a::TUNNEL
        | a::SIT
        | a::CSLIP
        | a::SLIP6
        | a::CSLIP6
        | a::ADAPT
        | a::SLIP
        | a::RAWHDLC
        | a::DLCI
        | a::NONE => raw(&[dlt::RAW]),
        a::FRAD => raw(&[dlt::FRELAY]),
        a::LOCALTLK => raw(&[dlt::LTALK]),
        a::IP_OVER_FC => raw(&[dlt::IP_OVER_FC]),
        a::FCPP | a::FCAL | a::FCPL | a::FCFABRIC => {
            raw(&[dlt::FC_2, dlt::FC_2_WITH_FRAME_DELIMS, dlt::IP_OVER_FC])
        }
        // Cooked, but under a DLT of their own.
        a::IRDA => cooked(dlt::LINUX_IRDA),
        a::LAPD => cooked(dlt::LINUX_LAPD),
        a::NETLINK => cooked(dlt::NETLINK),
        a::IEEE802154 => raw(&[dlt::IEEE802_15_4_NOFCS]),
        a::VSOCKMON => raw(&[dlt::VSOCK]),
        _ => Link {
            dlts: vec![dlt::LINUX_SLL],
            cooked: true,
            unknown: true,
        },
    }
}

/// The warning libpcap leaves in the error buffer for an unknown type.
pub fn unknown_warning(hw: u32) -> String {
    format!("arptype {hw} not supported by libpcap - falling back to cooked socket")
}

/// libpcap 1.10.3's fix-up of a frame captured (not cooked) on an
/// ARPHRD_CAN device, as observed on Debian's build: the 4-byte CAN id goes
/// to network byte order; a classic CAN frame (ETH_P_CAN) loses CANFD_FDF
/// from its flags byte; a CAN FD frame (ETH_P_CANFD) loses the three
/// defined flags (FDF, ESI, BRS) and its two reserved bytes are cleared.
/// The protocol is the one the kernel reports for the frame
/// (`sll_protocol`); when the ring cannot say (0: the kernel module), it is
/// told by the length on the wire, which is what a CAN device's frames of
/// each protocol have (16 and 72 bytes).
pub fn can_fixup(b: &mut [u8], protocol: u16, wire_len: u32) {
    const ETH_P_CAN: u16 = 0x000c;
    const ETH_P_CANFD: u16 = 0x000d;
    const CANFD_BRS: u8 = 0x01;
    const CANFD_ESI: u8 = 0x02;
    const CANFD_FDF: u8 = 0x04;
    let protocol = match (protocol, wire_len) {
        (0, 16) => ETH_P_CAN,
        (0, 72) => ETH_P_CANFD,
        (p, _) => p,
    };
    if b.len() >= 8 {
        match protocol {
            ETH_P_CAN => b[5] &= !CANFD_FDF,
            ETH_P_CANFD => {
                b[5] &= !(CANFD_FDF | CANFD_ESI | CANFD_BRS);
                b[6] = 0;
                b[7] = 0;
            }
            _ => {}
        }
    }
    if b.len() >= 4 {
        let id = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
        b[..4].copy_from_slice(&id.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping() {
        let l = |hw| for_arphrd(hw, "x0", false);
        assert_eq!(l(arphrd::ETHER).dlts, vec![1, 143]);
        assert_eq!(for_arphrd(1, "w0", true).dlts, vec![1]);
        assert_eq!(for_arphrd(1, "cdma_rmnet0", false).dlts, vec![12]);
        let isdn = for_arphrd(1, "isdn0", false);
        assert_eq!((isdn.dlts, isdn.cooked), (vec![113, 276], true));
        assert_eq!(for_arphrd(1, "isdn0", true).dlts, vec![113]);
        assert_eq!(l(arphrd::LOOPBACK).dlts, vec![1]);
        assert_eq!(l(arphrd::NONE).dlts, vec![12]);
        assert_eq!(l(arphrd::SIT).dlts, vec![12]);
        assert_eq!(l(arphrd::CAN).dlts, vec![227]);
        assert_eq!(l(arphrd::FCAL).dlts, vec![224, 225, 122]);
        let ppp = l(arphrd::PPP);
        assert_eq!(
            (ppp.dlts, ppp.cooked, ppp.unknown),
            (vec![113], true, false)
        );
        let nl = l(arphrd::NETLINK);
        assert_eq!((nl.dlts, nl.cooked), (vec![253], true));
        let gre = l(arphrd::IPGRE);
        assert_eq!((gre.dlts, gre.cooked, gre.unknown), (vec![113], true, true));
        assert_eq!(
            unknown_warning(778),
            "arptype 778 not supported by libpcap - falling back to cooked socket"
        );
    }

    #[test]
    fn can_frames() {
        let mut c = [
            0x23, 0x01, 0, 0, 8, 0xff, 0xee, 0xdd, 1, 2, 3, 4, 5, 6, 7, 8,
        ];
        let c0 = c;
        can_fixup(&mut c, 0x000c, 16);
        assert_eq!(&c[..8], &[0, 0, 0x01, 0x23, 8, 0xfb, 0xee, 0xdd]);
        // Protocol unknown (module): told by length.
        let mut c1 = c0;
        can_fixup(&mut c1, 0, 16);
        assert_eq!(c1, c);
        let mut fd = [0u8; 72];
        fd[..8].copy_from_slice(&[0x78, 0x56, 0x34, 0x12, 64, 0xf1, 9, 9]);
        let fd0 = fd;
        can_fixup(&mut fd, 0x000d, 72);
        assert_eq!(&fd[..8], &[0x12, 0x34, 0x56, 0x78, 64, 0xf0, 0, 0]);
        let mut fd1 = fd0;
        can_fixup(&mut fd1, 0, 72);
        assert_eq!(fd1, fd);
        // The protocol wins over the length: a 16-byte CAN FD frame keeps
        // only its id swap and flag clearing as CAN FD.
        let mut odd = c0;
        can_fixup(&mut odd, 0x000d, 16);
        assert_eq!(&odd[..8], &[0, 0, 0x01, 0x23, 8, 0xf8, 0, 0]);
        let mut other = [0x45, 0, 0, 20, 0xaa];
        can_fixup(&mut other, 0x0800, 20);
        assert_eq!(other, [20, 0, 0, 0x45, 0xaa]);
    }
}
