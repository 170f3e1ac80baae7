/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one header shared by the BPF programs (bpf/) and user space (user/).
 * Fixed-width fields, explicit padding, no bitfields: the layout is the ABI
 * between the two sides, and _Static_assert keeps it from drifting.
 */
#ifndef WGTRACE_H
#define WGTRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* How a fact is observed, best first (user/attach/hooks.c, man page FACTS AND
 * MODES). */
enum wgt_mode {
	WGT_MODE_FENTRY = 0, /* fentry/fexit (BPF trampoline) */
	WGT_MODE_KPROBE,     /* kprobe/kretprobe */
	WGT_MODE_TRACEPOINT, /* tp_btf or raw tracepoint */
	WGT_MODE_TC,	     /* tc/tcx classifier + user-space inference */
	WGT_MODE_INVENTORY,  /* netlink/procfs counters and queries, no BPF */
	WGT_MODE_UNAVAILABLE,
	WGT_MODE__COUNT,
};

/*
 * tc verdict of every wgtrace classifier: TC_ACT_UNSPEC for clsact, which is
 * also TCX_NEXT for tcx. Either way the packet goes on to whatever else is
 * installed, exactly as if wgtrace were not there.
 */
#define WGT_TC_OBSERVE (-1)

#define WGT_KEY_LEN 32
#define WGT_MAX_TRACE_ADDRS 64
#define WGT_RINGBUF_BYTES (1 << 22)
/* Unread bytes in the ring that wake trace's reader (see ring_wake_flags). */
#define WGT_RING_WAKE_BYTES (WGT_RINGBUF_BYTES / 16)

/* What an address in the trace filter stands for. */
enum wgt_addr_role {
	WGT_ROLE_TARGET = 1,   /* the traced destination (either direction) */
	WGT_ROLE_ENDPOINT = 2, /* a peer's endpoint: the outer packets */
};

struct wgt_addr_key {
	__u8 family; /* AF_INET or AF_INET6 */
	__u8 pad[3];
	__u8 addr[16]; /* IPv4 in the first 4 bytes, the rest zero */
};

enum wgt_event_type {
	WGT_EV_FIB = 1,	   /* one table looked up (fib/fib6 tracepoint) */
	WGT_EV_RULE,	   /* the policy rule fib_rules_lookup() chose */
	WGT_EV_WG_TX_PEER, /* WireGuard picked a peer (or none) for TX */
	WGT_EV_WG_RX_SRC,  /* WireGuard's AllowedIPs source check on RX */
	WGT_EV_WG_OUTER,   /* WireGuard handed an outer packet to its socket */
	WGT_EV_TC,	   /* seen by a tc classifier (egress/ingress) */
	WGT_EV_DROP,	   /* kfree_skb with a reason */
	WGT_EV_ICMP,	   /* the kernel sent an ICMP error about a packet */
	WGT_EV_SAMPLE,	   /* an example flow of a counted verdict */
	WGT_EV_WG_XMIT,	   /* wg_xmit() refused a packet: err = -ENOKEY... */
	WGT_EV_PKT,	   /* struct wgt_pkt: the bytes of the event before */
};

/* The packet's inner 5-tuple, network byte order as on the wire. */
struct wgt_flow {
	__u8 family;
	__u8 proto;
	__u16 sport; /* network order */
	__u16 dport; /* network order */
	__u16 pad;
	__u8 saddr[16];
	__u8 daddr[16];
};

/*
 * One event for every type: a fat but flat record is simpler to keep in sync
 * than a union per type, and events are rare (filtered, rate-limited).
 */
struct wgt_event {
	__u64 ts_ns; /* bpf_ktime_get_ns() */
	__u32 type;  /* enum wgt_event_type */
	__u32 cpu;
	__u32 netns;   /* netns inode where known, else 0 */
	__u32 ifindex; /* device the packet was on (iif for input) */
	__u32 oif;     /* result device (FIB) or requested oif */
	__u32 mark;
	__u32 table;	 /* FIB table id */
	__s32 err;	 /* FIB result or WireGuard error, -errno */
	__u32 reason;	 /* drop reason value, ICMP type<<8|code */
	__u32 rule_pref; /* policy rule priority */
	__u8 rule_action;
	__u8 rtype; /* FIB route type (RTN_*), 0 if unknown */
	__u8 gw_family;
	__u8 flags;	     /* WGT_EVF_* */
	__u16 len;	     /* packet length where known */
	__u16 endpoint_port; /* network order */
	__u8 gw[16];
	__u8 endpoint[16];
	__u8 endpoint_family;
	__u8 pad[7];
	__u8 peer[WGT_KEY_LEN];	 /* chosen / sending peer's public key */
	__u8 peer2[WGT_KEY_LEN]; /* RX: the peer owning the source */
	__u64 location;		 /* kfree_skb caller address */
	struct wgt_flow flow;
	__u32 verdict; /* WGT_EV_SAMPLE: enum wgt_verdict */
	__u32 mtu;     /* MTU the packet exceeded, where known */
};

/*
 * The bytes of a traced packet (trace --pcap) or of a sampled one (watch
 * --pcap), from its network header on:
 * a record of its own right after the wgt_event it belongs to, so events
 * keep their size and cost when no capture is asked for. type sits where
 * wgt_event has it; ts_ns and cpu are the event's, which pairs the two.
 */
#define WGT_PKT_MAX 1024 /* most bytes a record carries (--snaplen) */

struct wgt_pkt {
	__u64 ts_ns;   /* the event's */
	__u32 type;    /* WGT_EV_PKT */
	__u32 cpu;     /* the event's */
	__u32 ev_type; /* the event's type */
	__u32 ifindex; /* device the bytes were seen on */
	__u32 len;     /* the whole packet, from the network header */
	__u16 caplen;  /* bytes valid in data[] */
	__u16 pad;
	__u8 data[WGT_PKT_MAX];
};

#define WGT_EVF_PEER 0x01   /* peer[] is valid */
#define WGT_EVF_PEER2 0x02  /* peer2[] is valid */
#define WGT_EVF_EGRESS 0x04 /* tc egress (else ingress) */
#define WGT_EVF_REJECT 0x08 /* RX source check failed */
#define WGT_EVF_RULE_INVERT 0x10
/* FIB: the kernel looked this up for itself, not to route a packet; told
 * by the functions on the kernel stack (bpf/lookup_ctx.bpf.h). */
#define WGT_EVF_CTX_RPF 0x20  /* inside fib_validate_source (reverse path) */
#define WGT_EVF_CTX_ICMP 0x40 /* inside the sending of an ICMP error */
/*
 * WireGuard without module BTF (kernels before 5.11): the kernel told
 * whether a peer matched, but its peer struct cannot be read. peer[] and
 * peer2[], where set, were named by longest-prefix match over wgtrace's
 * copy of the AllowedIPs; an unset peer[] is "unknown", not "none".
 */
#define WGT_EVF_PEER_FROM_INV 0x80

/*
 * Drop reason passed for kfree_skb on kernels whose tracepoint has none
 * (before 5.17). 0 is SKB_NOT_DROPPED_YET where reasons exist: never a drop.
 */
#define WGT_REASON_UNKNOWN 0

/* Kernel functions whose stack frames mark a lookup as the kernel's own. */
#define WGT_CTX_RANGES 8

/*
 * Verdicts counted in the kernel (user/model/verdict.c names them). Ids at or
 * above WGT_V_KERNEL_REASON are "kernel_<REASON>": the kernel's own drop reason
 * value added to it, named from BTF at run time (values differ by kernel).
 */
enum wgt_verdict {
	WGT_V_NONE = 0,
	WGT_V_SRC_REJECTED,	/* AllowedIPs source check on RX */
	WGT_V_RPF_DROP,		/* kfree_skb IP_RPFILTER */
	WGT_V_MTU_DROP,		/* PKT_TOO_BIG / frag-needed / packet-too-big */
	WGT_V_NO_PEER,		/* into a WireGuard device, no peer for dst */
	WGT_V_NO_ENDPOINT,	/* peer chosen, but it has no endpoint */
	WGT_V_ROUTE_BYPASS,	/* dst in a peer's AllowedIPs, left elsewhere */
	WGT_V_OUTER_FRAGMENTED, /* outer WireGuard packet fragmented */
	WGT_V_TX_PEER,		/* not a problem: packets sent to a peer */
	WGT_V__COUNT,
	WGT_V_KERNEL_REASON = 1000,
};

struct wgt_count_key {
	__u32 verdict; /* enum wgt_verdict, or KERNEL_REASON + reason */
	__u32 ifindex;
	__u64 location;		/* kernel drops: the freeing call site */
	__u8 peer[WGT_KEY_LEN]; /* zero when no peer is involved */
};

struct wgt_count_val {
	__u64 packets;
	__u64 bytes;
};

/*
 * AllowedIPs of every peer, for BPF-side longest-prefix match (tc fallback
 * and route_bypass). prefixlen counts the family byte's 8 bits, the 3 pad
 * bytes' 24, then the address bits: one trie holds both families.
 */
struct wgt_lpm_key {
	__u32 prefixlen;
	__u8 family;
	__u8 pad[3];
	__u8 addr[16];
};

struct wgt_lpm_val {
	__u32 ifindex; /* the WireGuard device */
	__u8 plen;     /* the AllowedIPs prefix length */
	__u8 pad[3];
	__u8 peer[WGT_KEY_LEN];
};

#define WGT_LPM_FAMILY_BITS 32
#define WGT_MAX_COUNT_KEYS 8192
#define WGT_MAX_ALLOWED 16384
#define WGT_SAMPLE_GAP_NS 100000000ULL /* per CPU, per verdict */

/* Per-CPU counters of the machinery itself. */
enum wgt_stat {
	WGT_STAT_EVENTS,      /* events submitted */
	WGT_STAT_EVENTS_LOST, /* ring buffer full */
	WGT_STAT_COUNTS_FULL, /* counter map full: a key could not be added */
	WGT_STAT__COUNT,
};

#ifndef __VMLINUX_H__
_Static_assert(sizeof(struct wgt_flow) == 40, "wgt_flow layout");
_Static_assert(sizeof(struct wgt_addr_key) == 20, "wgt_addr_key layout");
_Static_assert(sizeof(struct wgt_event) == 216, "wgt_event layout");
_Static_assert(sizeof(struct wgt_pkt) == 32 + WGT_PKT_MAX, "wgt_pkt layout");
_Static_assert(sizeof(struct wgt_count_key) == 48, "wgt_count_key layout");
_Static_assert(sizeof(struct wgt_lpm_key) == 24, "wgt_lpm_key layout");
_Static_assert(sizeof(struct wgt_lpm_val) == 40, "wgt_lpm_val layout");
#endif

#endif /* WGTRACE_H */
