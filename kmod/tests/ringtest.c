// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest functional tests of the PF_RING module.  The VM's /init creates
 * veth pairs va<->vb and vc<->vd (IPv6 off, no addresses, so the only
 * traffic is what these tests send) and runs:
 *   ringtest main        ring layout, RX/TX capture, poll, rules, hash rules,
 *                        sampling, clusters across processes, reflection, BPF,
 *                        option validation, /proc, PACKET_STATISTICS
 *   ringtest plugin      with dummy_plugin.ko loaded
 *   ringtest plugin-gone after dummy_plugin.ko was removed under a live rule
 *   ringtest quick       open/bind/mmap/read 3 frames (load cycles, after fuzz)
 *   ringtest cycles N    N open/bind/mmap/close cycles
 *   ringtest stress C F  C ring open/configure/close cycles during an F-frame flood
 *   ringtest hold FILE   open a ring, create FILE, sleep until killed
 *   ringtest count DEV MS [READY]  print how many frames a ring on DEV gets in MS ms
 */
#include "common.h"

static unsigned char buf[70000];

static const struct flow F_UDP = { IP(198, 51, 100, 1), IP(198, 51, 100, 2), 1234, 5005, 17, 0, 0x10 };

static int send_udp(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, const char *pl, int n)
{
	struct flow f = { src, dst, sport, dport, 17, 0, 0 };

	return send_flow(&f, pl, n);
}

static int set_int(struct ring *r, int opt, uint32_t v)
{
	return setsockopt(r->fd, 0, opt, &v, sizeof(v));
}

static int add_rule(struct ring *r, const filtering_rule *rule)
{
	return setsockopt(r->fd, 0, SO_ADD_FILTERING_RULE, rule, sizeof(*rule));
}

static int remove_rule(struct ring *r, uint16_t id)
{
	return setsockopt(r->fd, 0, SO_REMOVE_FILTERING_RULE, &id, sizeof(id));
}

static int toggle_policy(struct ring *r, uint8_t accept)
{
	return setsockopt(r->fd, 0, SO_TOGGLE_FILTER_POLICY, &accept, 1);
}

static int write_param(const char *name, const char *val)
{
	char path[128];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "/sys/module/pf_ring/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	rc = fputs(val, f) < 0 ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

static int read_file(const char *path, char *out, size_t len)
{
	int fd = open(path, O_RDONLY), n, tot = 0;

	if (fd < 0)
		return -1;
	while ((n = (int)read(fd, out + tot, len - 1 - tot)) > 0)
		tot += n;
	close(fd);
	out[tot] = 0;
	return tot;
}

static uint32_t flow_hash(uint32_t src, uint32_t dst, uint8_t proto, uint16_t sport, uint16_t dport)
{
	uint32_t h = htonl(src) + htonl(dst) + proto;

	if (proto == 6 || proto == 17)
		h += htons(sport) + htons(dport);
	return h;
}

/* ------------------------------------------------------------------ tests */

static void test_layout_and_rx(void)
{
	struct ring r;
	struct pfring_pkthdr h;
	unsigned char f[2048];
	int ok, i, len, n, good = 1;
	uint32_t ver = 0;
	socklen_t vl = sizeof(ver);
	struct tpacket_stats st;
	socklen_t sl = sizeof(st);
	char pl[64];

	CHECK(ring_open(&r, "vb", 1600) == 0, "open/bind/mmap ring on vb (errno %d)", errno);
	if (r.fd < 0)
		return;
	CHECK_EQ(r.info->version, 9, "FlowSlotInfo.version");
	CHECK_EQ(r.info->sample_rate, 1, "FlowSlotInfo.sample_rate");
	CHECK_EQ(r.info->slot_len, 2 + 64 + 1600, "slot_len = 2 + 64 + bucket_len");
	CHECK_EQ(r.info->data_len, 1600, "data_len = bucket_len");
	CHECK_EQ(r.info->tot_mem % 4096, 0, "tot_mem is page aligned");
	CHECK_EQ(r.info->tot_slots, (r.info->tot_mem - 64) / r.info->slot_len, "tot_slots = (tot_mem-64)/slot_len");
	for (i = 0, ok = 1; i < (int)r.info->tot_slots; i++)
		if (r.slots[(size_t)i * r.info->slot_len] != RING_MAGIC_VALUE ||
		    r.slots[(size_t)i * r.info->slot_len + 1] != 0)
			ok = 0;
	CHECK(ok, "every slot has magic 0x88 and state 0");
	CHECK(getsockopt(r.fd, 0, SO_GET_RING_VERSION, &ver, &vl) == 0 && ver == 0x030705 && vl == 4,
	      "SO_GET_RING_VERSION = 0x030705 (got 0x%x)", ver);

	/* Not active yet: nothing is counted or queued. */
	CHECK_EQ(send_udp(F_UDP.src, F_UDP.dst, 1, 2, "inactive ring test", 5), 5, "sent 5 frames");
	usleep(300000);
	CHECK_EQ(r.info->tot_pkts + r.info->tot_insert, 0, "inactive ring sees nothing");

	CHECK(ring_activate(&r) == 0, "SO_ACTIVATE_RING");
	for (i = 0; i < 10; i++) {
		snprintf(pl, sizeof(pl), "payload-%02d-%.*s", i, i * 3, "abcdefghijklmnopqrstuvwxyz0123456789");
		len = build_frame(f, &F_UDP, pl, (int)strlen(pl));
		if (send_raw(f, len) != len)
			good = 0;
		n = ring_recv(&r, &h, buf, sizeof(buf), 2000);
		if (n != 1 || h.len != (unsigned)len || h.caplen != (unsigned)len || memcmp(buf, f, len) ||
		    h.parsed_header_len != 0)
			good = 0;
	}
	CHECK(good, "10 frames sent va->vb, 10 received on vb with identical bytes and len/caplen");
	CHECK_EQ(h.parsed_pkt.eth_type, 0x0800, "parsed eth_type");
	CHECK_EQ(h.parsed_pkt.l3_proto, 17, "parsed l3_proto");
	CHECK_EQ(h.parsed_pkt.ipv4_tos, 0x10, "parsed ipv4_tos");
	CHECK_EQ(h.parsed_pkt.ipv4_src, F_UDP.src, "parsed ipv4_src (host order)");
	CHECK_EQ(h.parsed_pkt.ipv4_dst, F_UDP.dst, "parsed ipv4_dst (host order)");
	CHECK_EQ(h.parsed_pkt.l4_src_port, 1234, "parsed l4_src_port");
	CHECK_EQ(h.parsed_pkt.l4_dst_port, 5005, "parsed l4_dst_port");
	CHECK_EQ(h.parsed_pkt.eth_offset, 0xfff2, "RX eth_offset = -14");
	CHECK_EQ(h.parsed_pkt.l3_offset, 0, "RX l3_offset = 0");
	CHECK_EQ(h.parsed_pkt.l4_offset, 20, "RX l4_offset = 20");
	CHECK_EQ(h.parsed_pkt.payload_offset, 28, "RX payload_offset = 28");
	CHECK(h.ts.tv_sec > 1000000000, "timestamp set (%ld)", (long)h.ts.tv_sec);
	CHECK_EQ(r.info->tot_insert, 10, "tot_insert");
	CHECK_EQ(r.info->tot_pkts, 10, "tot_pkts");
	CHECK_EQ(r.info->tot_read, 10, "tot_read (user side)");
	CHECK_EQ(r.info->tot_lost, 0, "tot_lost");
	CHECK(getsockopt(r.fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl) == 0 && st.tp_packets == 10 &&
	      st.tp_drops == 0 && sl == sizeof(st),
	      "PACKET_STATISTICS tp_packets=10 tp_drops=0 (got %u/%u)", st.tp_packets, st.tp_drops);
	CHECK_EQ(ring_count(&r, 0, 0, 200), 0, "nothing extra queued");

	{
		struct flow tcp = { IP(198, 51, 100, 3), IP(198, 51, 100, 4), 40000, 80, 6, 0, 0 };

		CHECK_EQ(send_flow(&tcp, "GET / HTTP/1.0\r\n", 1), 1, "sent TCP frame");
		n = ring_recv(&r, &h, buf, sizeof(buf), 2000);
		CHECK(n == 1 && h.parsed_pkt.l3_proto == 6 && h.parsed_pkt.tcp_flags == 0x18 &&
		      h.parsed_pkt.l4_src_port == 40000 && h.parsed_pkt.payload_offset == 40,
		      "TCP frame parsed (flags 0x%x, payload_offset %u)", h.parsed_pkt.tcp_flags,
		      h.parsed_pkt.payload_offset);
	}
	{
		struct flow v = F_UDP;

		v.vlan = 100;
		len = build_frame(f, &v, "vlan tagged frame!!", 19);
		CHECK_EQ(send_raw(f, len), len, "sent 802.1Q frame");
		n = ring_recv(&r, &h, buf, sizeof(buf), 2000);
		CHECK(n == 1 && h.parsed_pkt.vlan_id == 100 && h.parsed_pkt.eth_type == 0x0800 &&
		      h.parsed_pkt.l4_dst_port == 5005 && h.parsed_pkt.vlan_offset == 0 &&
		      h.parsed_pkt.l3_offset == 4,
		      "VLAN 100 in parsed_pkt (vlan %u type 0x%x vlan_off %u l3_off %u)", h.parsed_pkt.vlan_id,
		      h.parsed_pkt.eth_type, h.parsed_pkt.vlan_offset, h.parsed_pkt.l3_offset);
		CHECK(n == 1 && h.len == (unsigned)len && h.caplen == (unsigned)len && !memcmp(buf, f, len),
		      "VLAN tag taken off by the stack is put back in the captured frame (len %u of %d)", h.len,
		      len);
	}
	{
		unsigned char arp[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06 };

		CHECK_EQ(send_raw(arp, 60), 60, "sent non-IP frame");
		n = ring_recv(&r, &h, buf, sizeof(buf), 2000);
		CHECK(n == 1 && h.parsed_pkt.eth_type == 0x0806 && h.parsed_pkt.l3_proto == 0 && h.len == 60,
		      "non-IP frame captured with eth_type 0x0806");
	}

	/* recvmsg: activates and returns the number queued. */
	CHECK_EQ(send_udp(F_UDP.src, F_UDP.dst, 1, 2, "recvmsg counting!", 3), 3, "sent 3 frames");
	usleep(300000);
	CHECK_EQ(recv(r.fd, buf, 10, MSG_DONTWAIT), 3, "recvmsg returns the queued count");
	CHECK_EQ(ring_count(&r, 3, 2000, 100), 3, "the 3 frames are read from the ring");
	ring_close(&r);
}

static void test_tx_capture(void)
{
	struct ring r;
	struct pfring_pkthdr h;
	unsigned char f[256];
	int len, n;

	CHECK(ring_open(&r, "va", 1600) == 0, "open ring on va (TX side)");
	if (r.fd < 0)
		return;
	ring_activate(&r);
	len = build_frame(f, &F_UDP, "tx capture frame", 16);
	CHECK_EQ(send_raw(f, len), len, "sent frame on va");
	n = ring_recv(&r, &h, buf, sizeof(buf), 2000);
	CHECK(n == 1 && h.len == (unsigned)len && !memcmp(buf, f, len), "TX frame captured on va");
	CHECK(h.parsed_pkt.eth_offset == 0 && h.parsed_pkt.l3_offset == 14 && h.parsed_pkt.l4_offset == 34,
	      "TX offsets relative to Ethernet header (eth %u l3 %u l4 %u)", h.parsed_pkt.eth_offset,
	      h.parsed_pkt.l3_offset, h.parsed_pkt.l4_offset);

	CHECK(write_param("enable_tx_capture", "0") == 0, "enable_tx_capture=0 at run time");
	send_raw(f, len);
	CHECK_EQ(ring_count(&r, 0, 0, 300), 0, "no TX capture with enable_tx_capture=0");
	write_param("enable_tx_capture", "1");
	send_raw(f, len);
	CHECK_EQ(ring_count(&r, 1, 2000, 100), 1, "TX capture back with enable_tx_capture=1");
	ring_close(&r);
}

static void test_poll(void)
{
	struct ring r;
	struct pollfd pfd;
	long long t0;
	pid_t pid;
	int rc, st;

	if (ring_open(&r, "vb", 256) != 0) {
		CHECK(0, "open ring for poll test");
		return;
	}
	pfd.fd = r.fd;
	pfd.events = POLLIN;
	t0 = now_ms();
	rc = poll(&pfd, 1, 300);
	CHECK(rc == 0 && now_ms() - t0 >= 250, "poll times out with an empty ring");
	pid = fork();
	if (pid == 0) {
		usleep(200000);
		send_udp(F_UDP.src, F_UDP.dst, 1, 2, "wake up the poller", 1);
		_exit(0);
	}
	t0 = now_ms();
	rc = poll(&pfd, 1, 5000);
	CHECK(rc == 1 && (pfd.revents & POLLIN), "poll() woken by a packet (rc %d after %lld ms)", rc,
	      now_ms() - t0);
	waitpid(pid, &st, 0);
	CHECK_EQ(ring_count(&r, 1, 1000, 100), 1, "woken poller reads 1 packet");
	ring_close(&r);
}

static void test_full_ring_and_caplen(void)
{
	struct ring r;
	struct pfring_pkthdr h;
	unsigned char f[512];
	char big[300];
	int len, n, slots;

	CHECK(write_param("num_slots", "8") == 0, "num_slots=8 through sysfs");
	CHECK(write_param("num_slots", "0") != 0, "num_slots=0 refused");
	if (ring_open(&r, "vb", 64) != 0) {
		CHECK(0, "open small ring");
		write_param("num_slots", "4096");
		return;
	}
	slots = (int)r.info->tot_slots;
	CHECK_EQ(slots, (4096 - 64) / (2 + 64 + 64), "small ring fills one page");
	ring_activate(&r);
	CHECK_EQ(send_udp(F_UDP.src, F_UDP.dst, 1, 2, "fill the ring up", slots + 7), slots + 7, "sent slots+7");
	usleep(400000);
	CHECK_EQ(r.info->tot_insert, slots, "tot_insert = tot_slots when full");
	CHECK_EQ(r.info->tot_lost, 7, "tot_lost counts the 7 that did not fit");
	CHECK_EQ(r.info->tot_pkts, slots + 7, "tot_pkts counts all");
	CHECK_EQ(ring_count(&r, slots, 2000, 100), slots, "all queued packets readable");
	CHECK_EQ(r.info->insert_idx, r.info->remove_idx, "insert_idx wrapped to remove_idx");

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	len = build_frame(f, &F_UDP, big, (int)strlen(big));
	send_raw(f, len);
	n = ring_recv(&r, &h, buf, sizeof(buf), 2000);
	CHECK(n == 1 && h.caplen == 64 && h.len == (unsigned)len && !memcmp(buf, f, 64),
	      "caplen truncated to bucket_len 64 (caplen %u len %u)", h.caplen, h.len);
	ring_close(&r);
	write_param("num_slots", "4096");
}

static filtering_rule mkrule(uint16_t id, rule_action_behaviour act)
{
	filtering_rule r;

	memset(&r, 0, sizeof(r));
	r.rule_id = id;
	r.rule_action = act;
	return r;
}

static void test_rules(void)
{
	struct ring r;
	filtering_rule fr;
	uint32_t A = IP(198, 51, 100, 10), B = IP(198, 51, 100, 20), C = IP(203, 0, 113, 5);
	char path[96], txt[4096];

	if (ring_open(&r, "vb", 256) != 0) {
		CHECK(0, "open ring for rules");
		return;
	}
	ring_activate(&r);

	/* 1: port range drop, default accept */
	fr = mkrule(10, dont_forward_packet_and_stop_rule_evaluation);
	fr.core_fields.proto = 17;
	fr.core_fields.port_low = 5000;
	fr.core_fields.port_high = 5010;
	CHECK(add_rule(&r, &fr) == 0, "add wildcard rule 10 (udp ports 5000-5010 drop)");
	send_udp(A, B, 1111, 5005, "to dropped port!", 4);
	send_udp(A, B, 1111, 6000, "to open port!!!!", 3);
	send_udp(A, B, 5001, 9999, "from dropped port", 2);   /* src port in range */
	{
		struct flow t = { A, B, 1111, 5005, 6, 0, 0 };

		send_flow(&t, "tcp to 5005 passes", 2);
	}
	CHECK_EQ(ring_count(&r, 5, 2000, 200), 5, "port-range rule: 3 udp/6000 + 2 tcp pass, 6 dropped");
	snprintf(path, sizeof(path), "/proc/net/pf_ring/%d-vb", getpid());
	CHECK(read_file(path, txt, sizeof(txt)) > 0 && strstr(txt, "# Filt. Rules  : 1\n"),
	      "per-socket /proc file shows 1 rule");

	/* 2: ascending id: rule 3 (forward) is evaluated before rule 10 */
	fr = mkrule(3, forward_packet_and_stop_rule_evaluation);
	fr.core_fields.port_low = 5005;
	fr.core_fields.port_high = 5005;
	CHECK(add_rule(&r, &fr) == 0, "add rule 3 (port 5005 forward)");
	send_udp(A, B, 1111, 5005, "now forwarded!!!", 3);
	send_udp(A, B, 1111, 5006, "still dropped!!!", 3);
	CHECK_EQ(ring_count(&r, 3, 2000, 200), 3, "lower rule id wins: 3 forwarded, 3 dropped");

	/* 3: overwrite id 3 with a drop of everything from host C */
	fr = mkrule(3, dont_forward_packet_and_stop_rule_evaluation);
	fr.core_fields.host_low = C;
	fr.core_fields.host_high = C;
	CHECK(add_rule(&r, &fr) == 0, "overwrite rule 3");
	send_udp(A, B, 1111, 5005, "dropped again!!!", 2);
	send_udp(A, B, 1111, 7000, "passes through!!", 2);
	CHECK_EQ(ring_count(&r, 2, 2000, 200), 2, "overwritten rule 3 no longer forwards 5005");
	/* host range: both src and dst must be inside */
	fr = mkrule(4, dont_forward_packet_and_stop_rule_evaluation);
	fr.core_fields.host_low = A;
	fr.core_fields.host_high = B;
	CHECK(add_rule(&r, &fr) == 0, "add rule 4 (hosts A..B drop)");
	send_udp(A, B, 1, 7000, "both inside range", 2);
	send_udp(A, C, 1, 7000, "dst outside range", 3);
	CHECK_EQ(ring_count(&r, 3, 2000, 200), 3, "host range needs src and dst inside");
	CHECK(remove_rule(&r, 4) == 0 && remove_rule(&r, 3) == 0 && remove_rule(&r, 10) == 0, "remove rules");
	errno = 0;
	CHECK(remove_rule(&r, 999) == -1 && errno == ENOENT, "remove unknown rule id: ENOENT");
	send_udp(A, B, 1111, 5005, "no rules anymore", 2);
	CHECK_EQ(ring_count(&r, 2, 2000, 200), 2, "no rules: everything passes");

	/* 4: default drop + payload pattern forward + continue action */
	CHECK(toggle_policy(&r, 0) == 0, "toggle policy to drop");
	send_udp(A, B, 1, 2, "dropped by policy", 2);
	CHECK_EQ(ring_count(&r, 0, 0, 300), 0, "default drop policy");
	fr = mkrule(20, forward_packet_and_stop_rule_evaluation);
	strcpy(fr.extended_fields.payload_pattern, "MAGIC");
	CHECK(add_rule(&r, &fr) == 0, "add payload pattern rule");
	send_udp(A, B, 1, 2, "xxxxxMAGICxxxxxx", 3);
	send_udp(A, B, 1, 2, "xxxxxMAGxICxxxxx", 3);
	{
		/* pattern in the headers only (dst MAC/IP) must not match the payload */
		struct flow t = { A, B, 0x4d41, 0x4749, 17, 0, 0 };

		send_flow(&t, "C-no-pattern-here", 1);
	}
	CHECK_EQ(ring_count(&r, 3, 2000, 200), 3, "payload pattern rule forwards only matching payloads");
	fr = mkrule(15, execute_action_and_continue_rule_evaluation);
	fr.core_fields.proto = 17;
	CHECK(add_rule(&r, &fr) == 0, "add continue rule 15 before 20");
	send_udp(A, B, 1, 2, "--MAGIC--------", 2);
	CHECK_EQ(ring_count(&r, 2, 2000, 200), 2, "execute_action_and_continue goes on to rule 20");
	remove_rule(&r, 15);
	remove_rule(&r, 20);

	/* 5: vlan rule */
	fr = mkrule(30, forward_packet_and_stop_rule_evaluation);
	fr.core_fields.vlan_id = 42;
	CHECK(add_rule(&r, &fr) == 0, "add vlan 42 rule");
	{
		struct flow v = { A, B, 1, 2, 17, 42, 0 }, w = { A, B, 1, 2, 17, 43, 0 };

		send_flow(&v, "vlan 42 frame here", 2);
		send_flow(&w, "vlan 43 frame here", 2);
	}
	CHECK_EQ(ring_count(&r, 2, 2000, 200), 2, "vlan rule forwards only vlan 42");
	remove_rule(&r, 30);

	/* 6: balance_pool: two rules split flows by the additive hash */
	{
		int want = 0, i;

		fr = mkrule(40, forward_packet_and_stop_rule_evaluation);
		fr.balance_pool = 2;
		fr.balance_id = 1;
		CHECK(add_rule(&r, &fr) == 0, "add balance rule (pool 2, id 1)");
		for (i = 0; i < 8; i++) {
			send_udp(A, B, 1000 + i, 53, "balanced flow data", 1);
			/* 3.7.5 hash_pkt_header: host-order vlan+proto+ips+ports */
			if ((uint32_t)(17 + A + B + 1000 + i + 53) % 2 == 1)
				want++;
		}
		CHECK(want > 0 && want < 8, "balance test has flows on both sides (%d of 8)", want);
		CHECK_EQ(ring_count(&r, want, 2000, 200), want, "balance_pool/balance_id select flows by hash");
		remove_rule(&r, 40);
	}
	toggle_policy(&r, 1);

	/* 7: hash rules (exact, both directions) */
	{
		hash_filtering_rule hr;

		memset(&hr, 0, sizeof(hr));
		hr.proto = 17;
		hr.host_peer_a = A;
		hr.host_peer_b = B;
		hr.port_peer_a = 3000;
		hr.port_peer_b = 4000;
		hr.rule_action = dont_forward_packet_and_stop_rule_evaluation;
		CHECK(setsockopt(r.fd, 0, SO_ADD_FILTERING_RULE, &hr, sizeof(hr)) == 0, "add hash rule (drop)");
		errno = 0;
		CHECK(setsockopt(r.fd, 0, SO_ADD_FILTERING_RULE, &hr, sizeof(hr)) == -1 && errno == EEXIST,
		      "duplicate hash rule: EEXIST");
		send_udp(A, B, 3000, 4000, "hash forward dir", 2);
		send_udp(B, A, 4000, 3000, "hash reverse dir", 2);
		send_udp(A, B, 3000, 4001, "other flow passes", 3);
		CHECK_EQ(ring_count(&r, 3, 2000, 200), 3, "hash rule drops both directions of the flow only");
		/* hash match with continue falls through to wildcard rules */
		fr = mkrule(1, dont_forward_packet_and_stop_rule_evaluation);
		fr.core_fields.proto = 17;
		add_rule(&r, &fr);
		CHECK(setsockopt(r.fd, 0, SO_REMOVE_FILTERING_RULE, &hr, sizeof(hr)) == 0, "remove hash rule");
		hr.rule_action = forward_packet_and_stop_rule_evaluation;
		setsockopt(r.fd, 0, SO_ADD_FILTERING_RULE, &hr, sizeof(hr));
		send_udp(B, A, 4000, 3000, "hash forward wins", 2);
		send_udp(A, B, 3000, 4001, "wildcard drops it", 2);
		CHECK_EQ(ring_count(&r, 2, 2000, 200), 2, "hash rule is evaluated before wildcard rules");
		errno = 0;
		setsockopt(r.fd, 0, SO_REMOVE_FILTERING_RULE, &hr, sizeof(hr));
		CHECK(setsockopt(r.fd, 0, SO_REMOVE_FILTERING_RULE, &hr, sizeof(hr)) == -1 && errno == ENOENT,
		      "removing an absent hash rule: ENOENT");
		remove_rule(&r, 1);
	}

	/* 8: sampling countdown (keep 1, drop the next rate) */
	CHECK(set_int(&r, SO_SET_SAMPLING_RATE, 3) == 0, "sampling rate 3");
	send_udp(A, B, 1, 2, "sampled traffic!", 12);
	CHECK_EQ(ring_count(&r, 3, 2000, 300), 3, "rate 3: 3 of 12 kept (1, 5, 9)");
	snprintf(path, sizeof(path), "/proc/net/pf_ring/%d-vb", getpid());
	CHECK(read_file(path, txt, sizeof(txt)) > 0 && strstr(txt, "Sampling Rate  : 3\n"),
	      "/proc shows Sampling Rate 3");
	set_int(&r, SO_SET_SAMPLING_RATE, 1);
	send_udp(A, B, 1, 2, "unsampled again!", 4);
	CHECK_EQ(ring_count(&r, 4, 2000, 200), 4, "rate 1: all kept");

	/* 9: 1 in N for any N (extension 120), N = 2 included */
	CHECK(set_int(&r, SO_SET_SAMPLING_ONE_IN, 2) == 0, "sampling 1 in 2");
	send_udp(A, B, 1, 2, "one in two......", 10);
	CHECK_EQ(ring_count(&r, 5, 2000, 300), 5, "1 in 2: 5 of 10 kept (1, 3, 5, 7, 9)");
	CHECK(set_int(&r, SO_SET_SAMPLING_ONE_IN, 4) == 0, "sampling 1 in 4");
	send_udp(A, B, 1, 2, "one in four.....", 12);
	CHECK_EQ(ring_count(&r, 3, 2000, 300), 3, "1 in 4: 3 of 12 kept (1, 5, 9)");
	CHECK(read_file(path, txt, sizeof(txt)) > 0 && strstr(txt, "Sampling Rate  : 3\n"),
	      "/proc shows 1 in 4 as 3.7.5's Sampling Rate 3");
	errno = 0;
	CHECK(set_int(&r, SO_SET_SAMPLING_ONE_IN, 0) < 0 && errno == EINVAL, "1 in 0: EINVAL");
	CHECK(set_int(&r, SO_SET_SAMPLING_ONE_IN, 1) == 0, "sampling 1 in 1");
	send_udp(A, B, 1, 2, "all of them.....", 4);
	CHECK_EQ(ring_count(&r, 4, 2000, 200), 4, "1 in 1: all kept");
	ring_close(&r);
}

static void test_cluster(void)
{
	struct ring r0, r1;
	int p2c[2], c2p[2], i, want[2] = { 0, 0 }, got0, got1 = -1, st;
	char c;
	pid_t pid;
	uint32_t A = IP(198, 51, 100, 30), B = IP(198, 51, 100, 40);

	if (pipe(p2c) || pipe(c2p))
		return;
	/* member 0: this process */
	if (ring_open(&r0, "vb", 256) != 0) {
		CHECK(0, "open cluster member 0");
		return;
	}
	CHECK(set_int(&r0, SO_ADD_TO_CLUSTER, 7) == 0, "member 0 joins cluster 7");
	ring_activate(&r0);
	pid = fork();
	if (pid == 0) {
		/* member 1: another process */
		int n;

		if (ring_open(&r1, "vb", 256) != 0 || set_int(&r1, SO_ADD_TO_CLUSTER, 7) != 0)
			_exit(2);
		ring_activate(&r1);
		if (write(c2p[1], "r", 1) != 1)
			_exit(3);
		if (read(p2c[0], &c, 1) != 1)
			_exit(4);
		n = ring_count(&r1, 0, 0, 500);
		if (write(c2p[1], &n, sizeof(n)) != sizeof(n))
			_exit(5);
		ring_close(&r1);
		_exit(0);
	}
	CHECK(read(c2p[0], &c, 1) == 1, "member 1 (another process) joined");
	for (i = 0; i < 16; i++) {
		/* +256 on a port is +1 in the hash of its network-order bytes */
		send_udp(A + i, B, 2000 + 256 * i, 80, "cluster flow data", 3);
		want[flow_hash(A + i, B, 17, 2000 + 256 * i, 80) % 2] += 3;
	}
	usleep(300000);
	got0 = ring_count(&r0, 0, 0, 300);
	if (write(p2c[1], "g", 1) != 1 || read(c2p[0], &got1, sizeof(got1)) != sizeof(got1))
		got1 = -1;
	waitpid(pid, &st, 0);
	CHECK(got0 == want[0] && got1 == want[1] && want[0] > 0 && want[1] > 0,
	      "per-flow balancing across processes: member0 %d (want %d), member1 %d (want %d)", got0, want[0],
	      got1, want[1]);
	/* member 1 is gone (closed): everything goes to member 0 */
	send_udp(A, B, 1, 2, "single member now", 5);
	CHECK_EQ(ring_count(&r0, 5, 2000, 200), 5, "closed member leaves the cluster");
	CHECK(setsockopt(r0.fd, 0, SO_REMOVE_FROM_CLUSTER, NULL, 0) == 0, "SO_REMOVE_FROM_CLUSTER (NULL, 0)");
	send_udp(A, B, 1, 2, "after cluster rm", 2);
	CHECK_EQ(ring_count(&r0, 2, 2000, 200), 2, "ring outside the cluster still receives");
	errno = 0;
	CHECK(set_int(&r0, SO_ADD_TO_CLUSTER, 0) == -1 && errno == EINVAL, "cluster id 0 refused");
	ring_close(&r0);
	close(p2c[0]);
	close(p2c[1]);
	close(c2p[0]);
	close(c2p[1]);
}

static void test_reflection(void)
{
	struct ring rb, rd;
	struct pfring_pkthdr h;
	unsigned char f[256];
	int len, i, good = 1;

	if (ring_open(&rb, "vb", 256) != 0 || ring_open(&rd, "vd", 256) != 0) {
		CHECK(0, "open rings for reflection");
		return;
	}
	ring_activate(&rb);
	ring_activate(&rd);
	errno = 0;
	CHECK(setsockopt(rb.fd, 0, SO_SET_REFLECTOR, "nosuchdev", 9) == -1 && errno == ENODEV,
	      "reflector to unknown device: ENODEV");
	CHECK(setsockopt(rb.fd, 0, SO_SET_REFLECTOR, "vc", 2) == 0, "set reflector vc on the vb ring");
	len = build_frame(f, &F_UDP, "reflect me please", 17);
	for (i = 0; i < 6; i++)
		if (send_raw(f, len) != len)
			good = 0;
	for (i = 0; i < 6; i++)
		if (ring_recv(&rd, &h, buf, sizeof(buf), 2000) != 1 || h.len != (unsigned)len || memcmp(buf, f, len))
			good = 0;
	CHECK(good, "6 frames reflected vb -> vc arrive unchanged on vd");
	CHECK_EQ(ring_count(&rd, 0, 0, 200), 0, "no extra frames on vd");
	CHECK_EQ(ring_count(&rb, 0, 0, 100), 0, "reflected frames are not queued on vb");
	CHECK_EQ(rb.info->tot_pkts, 6, "vb ring counted the 6 frames");
	ring_close(&rb);
	ring_close(&rd);
}

static void test_bpf(void)
{
	struct ring r;
	/* "udp dst port 7777" for untagged IPv4 with a 20-byte header */
	struct sock_filter code[] = {
		{ 0x28, 0, 0, 12 },         /* ldh [12] */
		{ 0x15, 0, 5, 0x0800 },     /* jeq #0x800 */
		{ 0x30, 0, 0, 23 },         /* ldb [23] */
		{ 0x15, 0, 3, 17 },         /* jeq #17 */
		{ 0x28, 0, 0, 36 },         /* ldh [36] */
		{ 0x15, 0, 1, 7777 },       /* jeq #7777 */
		{ 0x06, 0, 0, 0xffff },     /* ret #65535 */
		{ 0x06, 0, 0, 0 },          /* ret #0 */
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };
	char path[96], txt[4096];
	int dummy = 0;

	if (ring_open(&r, "vb", 256) != 0) {
		CHECK(0, "open ring for BPF");
		return;
	}
	ring_activate(&r);
	CHECK(setsockopt(r.fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) == 0, "SO_ATTACH_FILTER");
	send_udp(F_UDP.src, F_UDP.dst, 1, 7777, "bpf should pass", 3);
	send_udp(F_UDP.src, F_UDP.dst, 1, 7778, "bpf should drop", 4);
	CHECK_EQ(ring_count(&r, 3, 2000, 200), 3, "BPF filter keeps only udp dst port 7777");
	CHECK_EQ(r.info->tot_pkts, 7, "tot_pkts counts frames before BPF");
	snprintf(path, sizeof(path), "/proc/net/pf_ring/%d-vb", getpid());
	CHECK(read_file(path, txt, sizeof(txt)) > 0 && strstr(txt, "BPF Filtering  : Enabled\n"),
	      "/proc shows BPF Filtering Enabled");
	CHECK(setsockopt(r.fd, SOL_SOCKET, SO_DETACH_FILTER, &dummy, sizeof(dummy)) == 0, "SO_DETACH_FILTER");
	send_udp(F_UDP.src, F_UDP.dst, 1, 7778, "bpf is detached", 2);
	CHECK_EQ(ring_count(&r, 2, 2000, 200), 2, "detached filter: all pass");
	ring_close(&r);
}

static void test_errors(void)
{
	int fd, st;
	struct sockaddr sa;
	pid_t pid;
	uint32_t v = 5;
	uint8_t b = 1;
	void *p;

	pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(3);
		fd = ring_socket();
		_exit(fd < 0 && errno == EPERM ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "socket(27) without CAP_NET_ADMIN: EPERM");
	errno = 0;
	CHECK(socket(PF_RING, SOCK_DGRAM, htons(ETH_P_ALL)) < 0 && errno == ESOCKTNOSUPPORT,
	      "SOCK_DGRAM refused (errno %d)", errno);
	errno = 0;
	CHECK(socket(PF_RING, SOCK_RAW, 0) < 0 && errno == EPROTONOSUPPORT, "protocol 0 refused (errno %d)", errno);

	fd = ring_socket();
	CHECK(fd >= 0, "socket(27, SOCK_RAW, ETH_P_ALL)");
	errno = 0;
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p == MAP_FAILED && errno == EINVAL, "mmap before bind: EINVAL");
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_INET;
	strcpy((char *)&sa + 2, "vb");
	errno = 0;
	CHECK(bind(fd, &sa, sizeof(sa)) < 0 && errno == EINVAL, "bind with wrong family: EINVAL");
	errno = 0;
	CHECK(bind(fd, &sa, 8) < 0 && errno == EINVAL, "bind with short address: EINVAL");
	errno = 0;
	CHECK(ring_bind_name(fd, "nosuch0") < 0 && errno == ENODEV, "bind to unknown device: ENODEV");
	errno = 0;
	CHECK(ring_bind_name(fd, "") < 0 && errno == EINVAL, "bind to empty name: EINVAL");
	CHECK(setsockopt(fd, 0, SO_ADD_TO_CLUSTER, &v, 2) < 0 && errno == EINVAL, "cluster optlen 2: EINVAL");
	CHECK(setsockopt(fd, 0, SO_SET_SAMPLING_RATE, &v, 8) < 0 && errno == EINVAL, "sampling optlen 8: EINVAL");
	CHECK(setsockopt(fd, 0, SO_TOGGLE_FILTER_POLICY, &v, 4) < 0 && errno == EINVAL, "policy optlen 4: EINVAL");
	CHECK(setsockopt(fd, 0, SO_ADD_FILTERING_RULE, buf, 100) < 0 && errno == EINVAL, "rule optlen 100: EINVAL");
	CHECK(setsockopt(fd, 0, SO_REMOVE_FILTERING_RULE, buf, 3) < 0 && errno == EINVAL, "remove optlen 3: EINVAL");
	CHECK(setsockopt(fd, 0, SO_SET_STRING, "x", 1) < 0 && errno == ENOPROTOOPT, "SO_SET_STRING: ENOPROTOOPT");
	CHECK(setsockopt(fd, 0, 98, &b, 1) < 0 && errno == ENOPROTOOPT, "unknown option: ENOPROTOOPT");
	CHECK(setsockopt(fd, 0, SO_SET_REFLECTOR, "0123456789abcdefgh", 18) < 0 && errno == EINVAL,
	      "reflector name too long: EINVAL");
	CHECK(setsockopt(fd, 0, SO_ADD_FILTERING_RULE, NULL, sizeof(filtering_rule)) < 0 && errno == EFAULT,
	      "rule from NULL: EFAULT");
	{
		filtering_rule fr = mkrule(1, 3);

		CHECK(add_rule(&(struct ring){ .fd = fd }, &fr) < 0 && errno == EINVAL, "rule_action 3: EINVAL");
	}
	v = 16;
	CHECK(setsockopt(fd, 0, SO_RING_BUCKET_LEN, &v, 4) == 0, "SO_RING_BUCKET_LEN 16 before bind");
	v = 70000;
	CHECK(setsockopt(fd, 0, SO_RING_BUCKET_LEN, &v, 4) < 0 && errno == EINVAL, "bucket 70000: EINVAL");
	{
		int big = ring_socket();
		uint32_t bl = 65535;

		/* 4096 slots of 65535 bytes exceed the 128 MiB ring limit */
		errno = 0;
		CHECK(setsockopt(big, 0, SO_RING_BUCKET_LEN, &bl, 4) == 0 && ring_bind_name(big, "vb") < 0 &&
		      errno == EINVAL, "ring over 128 MiB refused at bind: EINVAL");
		close(big);
	}
	CHECK(ring_bind_name(fd, "vb") == 0, "bind vb");
	errno = 0;
	CHECK(ring_bind_name(fd, "va") < 0 && errno == EINVAL, "second bind: EINVAL");
	v = 128;
	CHECK(setsockopt(fd, 0, SO_RING_BUCKET_LEN, &v, 4) < 0 && errno == EBUSY, "bucket after bind: EBUSY");
	{
		FlowSlotInfo *fi = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		unsigned int tm = fi == MAP_FAILED ? 0 : fi->tot_mem;

		CHECK(fi != MAP_FAILED && fi->data_len == 16, "bucket 16 honoured (data_len %u)",
		      fi == MAP_FAILED ? 0 : fi->data_len);
		errno = 0;
		p = mmap(NULL, tm + 4096, PROT_READ, MAP_SHARED, fd, 0);
		CHECK(p == MAP_FAILED && errno == EINVAL, "mmap larger than tot_mem: EINVAL");
		errno = 0;
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096);
		CHECK(p == MAP_FAILED && errno == EINVAL, "mmap with offset: EINVAL");
		if (fi != MAP_FAILED)
			munmap(fi, 4096);
	}
	{
		unsigned char small[1];
		socklen_t l = 1;

		errno = 0;
		CHECK(getsockopt(fd, 0, SO_GET_RING_VERSION, small, &l) < 0 && errno == EINVAL,
		      "version into 1 byte: EINVAL");
		l = 4;
		CHECK(getsockopt(fd, 0, 113, small, &l) < 0 && errno == ENOPROTOOPT, "unknown getsockopt: ENOPROTOOPT");
		l = 2;
		*(uint16_t *)buf = 77;
		CHECK(getsockopt(fd, 0, SO_GET_FILTERING_RULE_STATS, buf, &l) < 0 && errno == ENOENT,
		      "stats of unknown rule: ENOENT");
	}
	close(fd);
}

static void test_proc(void)
{
	struct ring r;
	char txt[4096], path[96], want[512];

	CHECK(read_file("/proc/net/pf_ring/info", txt, sizeof(txt)) > 0, "read /proc/net/pf_ring/info");
	snprintf(want, sizeof(want),
		 "Version           : 3.7.5\n"
		 "Bucket length     : 128 bytes\n"
		 "Ring slots        : 4096\n"
		 "Slot version      : 9\n"
		 "Capture TX        : Yes [RX+TX]\n"
		 "IP Defragment     : No\n"
		 "Transparent mode   : Yes\n"
		 "Total rings       : 0\n"
		 "Total plugins     : %d\n",
		 0);
	CHECK(!strcmp(txt, want), "info has the seed's format with 0 rings:\n%s", txt);
	if (ring_open(&r, "vb", 0) != 0)
		return;
	read_file("/proc/net/pf_ring/info", txt, sizeof(txt));
	CHECK(strstr(txt, "Total rings       : 1\n") != NULL, "Total rings 1 with one open socket");
	CHECK_EQ(r.info->data_len, 128, "module default bucket_len 128 used");
	CHECK_EQ(r.info->tot_slots, 4116, "defaults give 4116 slots");
	CHECK_EQ(r.info->tot_mem, 798720, "defaults give tot_mem 798720");
	snprintf(path, sizeof(path), "/proc/net/pf_ring/%d-vb", getpid());
	CHECK(read_file(path, txt, sizeof(txt)) > 0, "per-socket file %s exists", path);
	snprintf(want, sizeof(want),
		 "Bound Device   : vb\nVersion        : 9\nSampling Rate  : 1\nIP Defragment  : No\n"
		 "BPF Filtering  : Disabled\n# Filt. Rules  : 0\nCluster Id     : 0\nTot Slots      : 4116\n"
		 "Slot Len       : 194\nData Len       : 128\nTot Memory     : 798720\nTot Packets    : 0\n"
		 "Tot Pkt Lost   : 0\nTot Insert     : 0\nTot Read       : 0\n");
	CHECK(!strcmp(txt, want), "per-socket file content:\n%s", txt);
	{
		struct ring r2;

		if (ring_open(&r2, "vb", 0) == 0) {
			snprintf(path, sizeof(path), "/proc/net/pf_ring/%d-vb.", getpid());
			CHECK(system("ls /proc/net/pf_ring/ | grep -q -- '-vb\\.'") == 0,
			      "second socket of the same process on vb gets a distinct file");
			ring_close(&r2);
		}
	}
	ring_close(&r);
	snprintf(path, sizeof(path), "/proc/net/pf_ring/%d-vb", getpid());
	CHECK(access(path, F_OK) != 0, "per-socket file removed on close");
	CHECK(read_file("/proc/net/pf_ring/plugins_info", txt, sizeof(txt)) == 0, "plugins_info empty");
}

/* ------------------------------------------------------------------ plugin */

struct simple_stats {
	uint64_t num_pkts, num_bytes;
};

static void test_plugin(int present)
{
	struct ring r;
	filtering_rule fr;
	hash_filtering_rule hr;
	struct pfring_pkthdr h;
	struct simple_stats ss;
	char sb[2048];
	socklen_t l;
	uint32_t A = IP(198, 51, 100, 50), B = IP(198, 51, 100, 60);
	unsigned char f[256];
	int len, rc, n;

	if (ring_open(&r, "vb", 512) != 0) {
		CHECK(0, "open ring for plugin");
		return;
	}
	ring_activate(&r);
	fr = mkrule(5, forward_packet_and_stop_rule_evaluation);
	fr.core_fields.proto = 17;
	fr.plugin_action.plugin_id = 1;
	fr.extended_fields.filter_plugin_id = 1;
	memcpy(fr.extended_fields.filter_plugin_data, &A, 4);   /* src_host */
	CHECK(add_rule(&r, &fr) == 0, "rule 5 with plugin_action 1 and filter plugin 1 (src %s)", "A");
	toggle_policy(&r, 0);
	len = build_frame(f, &(struct flow){ A, B, 10, 20, 17, 0, 0 }, "plugin counted pkt", 18);
	for (n = 0; n < 5; n++)
		send_raw(f, len);
	send_udp(B, A, 20, 10, "other source host", 3);
	rc = ring_count(&r, present ? 5 : 0, 2000, 200);
	if (present)
		CHECK_EQ(rc, 5, "filter plugin passes only the source host's 5 packets");
	else
		CHECK_EQ(rc, 8, "plugin gone: filter skipped, rule matches all 8");
	memset(sb, 0, sizeof(sb));
	*(uint16_t *)sb = 5;
	l = sizeof(sb);
	rc = getsockopt(r.fd, 0, SO_GET_FILTERING_RULE_STATS, sb, &l);
	memcpy(&ss, sb, sizeof(ss));
	if (present)
		CHECK(rc == 16 && ss.num_pkts == 5 && ss.num_bytes == 5ULL * len,
		      "rule stats from plugin: rc %d pkts %llu bytes %llu (want 16/5/%d)", rc,
		      (unsigned long long)ss.num_pkts, (unsigned long long)ss.num_bytes, 5 * len);
	else
		CHECK(rc == 16 && ss.num_pkts == 8 && ss.num_bytes == 5ULL * len + 3ULL * (len - 1),
		      "rule stats without the plugin are the rule's own: rc %d pkts %llu bytes %llu", rc,
		      (unsigned long long)ss.num_pkts, (unsigned long long)ss.num_bytes);

	if (present) {
		/* parse memory placed before the packet */
		fr.extended_fields.filter_plugin_data[4] = 1;
		add_rule(&r, &fr);
		send_raw(f, len);
		rc = ring_recv(&r, &h, buf, sizeof(buf), 2000);
		CHECK(rc == 1 && h.parsed_header_len == 8 && !memcmp(buf, "DUMY", 4) && !memcmp(buf + 8, f, len) &&
		      h.caplen == (unsigned)len,
		      "filter plugin parse memory (8 bytes) precedes the packet (phl %u)", h.parsed_header_len);
	}
	remove_rule(&r, 5);
	toggle_policy(&r, 1);

	memset(&hr, 0, sizeof(hr));
	hr.proto = 17;
	hr.host_peer_a = A;
	hr.host_peer_b = B;
	hr.port_peer_a = 10;
	hr.port_peer_b = 20;
	hr.rule_action = forward_packet_and_stop_rule_evaluation;
	hr.plugin_action.plugin_id = 1;
	CHECK(setsockopt(r.fd, 0, SO_ADD_FILTERING_RULE, &hr, sizeof(hr)) == 0, "hash rule with plugin 1");
	for (n = 0; n < 4; n++)
		send_raw(f, len);
	send_udp(B, A, 20, 10, "reverse direction!", 2);
	CHECK_EQ(ring_count(&r, 6, 2000, 200), 6, "hash rule forwards 6");
	memset(sb, 0, sizeof(sb));
	memcpy(sb, &hr, sizeof(hr));
	l = sizeof(sb);
	rc = getsockopt(r.fd, 0, SO_GET_HASH_FILTERING_RULE_STATS, sb, &l);
	memcpy(&ss, sb, sizeof(ss));
	if (present)
		CHECK(rc == 16 && ss.num_pkts == 6, "hash rule stats from plugin: rc %d pkts %llu", rc,
		      (unsigned long long)ss.num_pkts);
	else
		CHECK(rc == 16 && ss.num_pkts == 6 && ss.num_bytes == 6ULL * len,
		      "hash rule stats without the plugin are the rule's own: rc %d pkts %llu", rc,
		      (unsigned long long)ss.num_pkts);
	if (present) {
		/* unload the plugin while this ring's hash rule still names it */
		CHECK(system("rmmod dummy_plugin") == 0, "rmmod dummy_plugin while a hash rule uses it");
		for (n = 0; n < 4; n++)
			send_raw(f, len);
		CHECK_EQ(ring_count(&r, 4, 2000, 200), 4, "traffic still flows after the plugin is gone");
		l = sizeof(sb);
		memcpy(sb, &hr, sizeof(hr));
		rc = getsockopt(r.fd, 0, SO_GET_HASH_FILTERING_RULE_STATS, sb, &l);
		memcpy(&ss, sb, sizeof(ss));
		CHECK(rc == 16 && ss.num_pkts == 10, "after the plugin is gone the rule's own stats: %llu pkts",
		      (unsigned long long)ss.num_pkts);
	}
	ring_close(&r);
}

#define PAGE_ALIGN_4K(x) (((x) + 4095) / 4096 * 4096)

static long long now_us_real(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec * 1000000LL + tv.tv_usec;
}

/* A child sends n frames (back to back) after delay_ms while this process
 * blocks in poll(); returns the time from the last frame's kernel time stamp
 * to poll's return in us (-1 on error), the frames read in *got. */
static long long wake_latency(struct ring *r, int n, int delay_ms, int *got, long long *from_first)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	struct pfring_pkthdr h;
	long long t, last = 0, first = 0;
	pid_t pid;
	int st, rc;

	*got = 0;
	pid = fork();
	if (pid == 0) {
		usleep(delay_ms * 1000);
		send_udp(F_UDP.src, F_UDP.dst, 1, 2, "wake-up latency", n);
		_exit(0);
	}
	rc = poll(&pfd, 1, 3000);
	t = now_us_real();
	waitpid(pid, &st, 0);
	if (rc != 1)
		return -1;
	while (ring_try_recv(r, &h, buf, sizeof(buf)) == 1) {
		last = h.ts.tv_sec * 1000000LL + h.ts.tv_usec;
		if (!(*got)++)
			first = last;
	}
	if (from_first)
		*from_first = *got ? t - first : -1;
	return *got ? t - last : -1;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* Median of n lone-packet wake-up latencies (sorted into lat[]). */
static long long lone_latencies(struct ring *r, long long *lat, int n)
{
	int i, got;

	for (i = 0; i < n; i++) {
		lat[i] = wake_latency(r, 1, 30, &got, NULL);
		if (got != 1)
			lat[i] = -1;
	}
	qsort(lat, n, sizeof(lat[0]), cmp_ll);
	return lat[n / 2];
}

/* Batched wake-ups: a blocked reader's wake-up latency with the defaults,
 * a 10 ms timeout, a watermark and timeout 0.  Run in the qemu -icount boot,
 * where guest time counts instructions (and jumps over idle time): host
 * load does not add to the latencies, which are then those of the kernel
 * path plus the emulated instructions. */
static void test_wake_latency(void)
{
	struct ring r;
	long long lat[9], l, ff, best = -1;
	int i, got;

	if (ring_open(&r, "vb", 256) != 0 || ring_activate(&r) != 0) {
		CHECK(0, "open ring for the wake-up latency tests");
		return;
	}
	/* Defaults: a lone packet wakes a blocked reader after the 4 ms
	 * timeout (not earlier: hrtimers do not fire early), within 10 ms. */
	l = lone_latencies(&r, lat, 9);
	printf("KMODTEST: info lone-packet wake-up latency, default 4000 us, us: min %lld median %lld max %lld\n",
	       lat[0], l, lat[8]);
	CHECK(lat[0] >= 3900, "default: a lone packet's wake-up is deferred (min %lld us >= 3900)", lat[0]);
	CHECK(l <= 10000, "default: a lone packet reaches a blocked reader within 10 ms (median %lld us)", l);

	/* A paced stream (24 frames 2 ms apart): after the first period the
	 * timer spans twice the timeout (8 ms), so fewer wake-ups than 4 ms
	 * periods would give (12), and every frame within 10 ms. */
	{
		struct pollfd pfd = { .fd = r.fd, .events = POLLIN };
		struct pfring_pkthdr h;
		long long t, worst = 0, ts;
		int wakes = 0, n = 0, st;
		pid_t pid = fork();

		if (pid == 0) {
			for (i = 0; i < 24; i++) {
				usleep(2000);
				send_udp(F_UDP.src, F_UDP.dst, 1, 2, "paced stream...", 1);
			}
			_exit(0);
		}
		while (n < 24 && poll(&pfd, 1, 2000) == 1) {
			t = now_us_real();
			wakes++;
			while (ring_try_recv(&r, &h, buf, sizeof(buf)) == 1) {
				ts = h.ts.tv_sec * 1000000LL + h.ts.tv_usec;
				if (t - ts > worst)
					worst = t - ts;
				n++;
			}
		}
		waitpid(pid, &st, 0);
		printf("KMODTEST: info paced stream: %d frames, %d wake-ups, worst latency %lld us\n", n, wakes,
		       worst);
		CHECK(n == 24 && wakes <= 9 && worst < 10000,
		      "paced stream: 24 frames in %d wake-ups (<= 9), each within 10 ms (worst %lld us)", wakes, worst);
	}

	/* Timeout 10 ms, watermark 1000: the wake-up comes 10 ms late. */
	CHECK(set_int(&r, SO_SET_POLL_WATERMARK_TIMEOUT, 10000) == 0, "watermark timeout 10000 us");
	CHECK(set_int(&r, SO_SET_POLL_WATERMARK, 1000) == 0, "watermark 1000");
	l = wake_latency(&r, 1, 30, &got, NULL);
	CHECK(got == 1 && l >= 9900 && l < 20000, "timeout 10 ms: lone packet woken after %lld us", l);

	/* Watermark 4 (timeout still 10 ms): the 4th queued packet wakes the
	 * reader before the timer armed by the 1st could (best of 3). */
	CHECK(set_int(&r, SO_SET_POLL_WATERMARK, 4) == 0, "watermark 4");
	for (i = 0; i < 3; i++) {
		l = wake_latency(&r, 4, 30, &got, &ff);
		printf("KMODTEST: info watermark 4: %d packets, woken %lld us after the 1st, %lld after the last\n",
		       got, ff, l);
		if (got == 4 && ff >= 0 && (best < 0 || ff < best))
			best = ff;
	}
	CHECK(best >= 0 && best < 9900, "watermark 4: 4 packets wake the reader before the 10 ms timer (%lld us)",
	      best);

	/* Timeout 0: every packet wakes the reader (3.7.5). */
	CHECK(set_int(&r, SO_SET_POLL_WATERMARK, 1000) == 0 && set_int(&r, SO_SET_POLL_WATERMARK_TIMEOUT, 0) == 0,
	      "watermark timeout 0");
	l = lone_latencies(&r, lat, 9);
	printf("KMODTEST: info lone-packet wake-up latency, timeout 0, us: min %lld median %lld max %lld\n", lat[0],
	       l, lat[8]);
	CHECK(lat[0] >= 0 && l < 3900, "timeout 0: woken at once (median %lld us)", l);
	ring_close(&r);
}

/* Options of the batched wake-ups (poll_watermark / poll_timeout_us, 117 /
 * 121) and the per-socket slot count (114). */
static void test_wake_options(void)
{
	struct ring r;
	char txt[64];
	int fd;
	uint32_t v;

	CHECK(read_file("/sys/module/pf_ring/parameters/poll_watermark", txt, sizeof(txt)) > 0 &&
	      !strcmp(txt, "128\n"), "poll_watermark default 128");
	CHECK(read_file("/sys/module/pf_ring/parameters/poll_timeout_us", txt, sizeof(txt)) > 0 &&
	      !strcmp(txt, "4000\n"), "poll_timeout_us default 4000");
	CHECK(write_param("poll_timeout_us", "10001") != 0, "poll_timeout_us 10001 refused");
	CHECK(write_param("poll_watermark", "0") != 0, "poll_watermark 0 refused");

	fd = ring_socket();
	errno = 0;
	CHECK(setsockopt(fd, 0, SO_SET_POLL_WATERMARK, &v, 2) < 0 && errno == EINVAL, "watermark optlen 2: EINVAL");
	v = 0;
	errno = 0;
	CHECK(setsockopt(fd, 0, SO_SET_POLL_WATERMARK, &v, 4) < 0 && errno == EINVAL, "watermark 0: EINVAL");
	v = 65536;
	errno = 0;
	CHECK(setsockopt(fd, 0, SO_SET_POLL_WATERMARK, &v, 4) < 0 && errno == EINVAL, "watermark 65536: EINVAL");
	v = 10001;
	errno = 0;
	CHECK(setsockopt(fd, 0, SO_SET_POLL_WATERMARK_TIMEOUT, &v, 4) < 0 && errno == EINVAL,
	      "watermark timeout 10001 us: EINVAL");
	errno = 0;
	CHECK(setsockopt(fd, 0, SO_SET_POLL_WATERMARK_TIMEOUT, NULL, 4) < 0 && errno == EFAULT,
	      "watermark timeout from NULL: EFAULT");
	v = 0;
	errno = 0;
	CHECK(setsockopt(fd, 0, SO_RING_NUM_SLOTS, &v, 4) < 0 && errno == EINVAL, "num slots 0: EINVAL");
	v = 65537;
	errno = 0;
	CHECK(setsockopt(fd, 0, SO_RING_NUM_SLOTS, &v, 4) < 0 && errno == EINVAL, "num slots 65537: EINVAL");
	v = 100;
	CHECK(setsockopt(fd, 0, SO_RING_NUM_SLOTS, &v, 4) == 0, "num slots 100 before bind");
	v = 64;
	CHECK(setsockopt(fd, 0, SO_RING_BUCKET_LEN, &v, 4) == 0, "bucket 64 before bind");
	CHECK(ring_bind_name(fd, "vb") == 0, "bind with 100 slots of 64 bytes");
	v = 200;
	errno = 0;
	CHECK(setsockopt(fd, 0, SO_RING_NUM_SLOTS, &v, 4) < 0 && errno == EBUSY, "num slots after bind: EBUSY");
	{
		FlowSlotInfo *fi = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);

		/* 64 + 100 * 130 bytes rounded up to 4 pages, all of it slots */
		CHECK(fi != MAP_FAILED && fi->tot_slots == (16384 - 64) / 130 && fi->slot_len == 130,
		      "per-socket slots honoured (tot_slots %u, want %u)", fi == MAP_FAILED ? 0 : fi->tot_slots,
		      (16384 - 64) / 130);
		if (fi != MAP_FAILED)
			munmap(fi, 4096);
	}
	close(fd);
	if (ring_open(&r, "vb", 64) == 0) {
		CHECK_EQ(r.info->tot_slots, (PAGE_ALIGN_4K(64 + 4096 * 130) - 64) / 130,
			 "the next ring has the module's num_slots again");
		ring_close(&r);
	}

}

static void test_recvmsg_activates(void)
{
	struct ring r;

	if (ring_open(&r, "vb", 256) != 0) {
		CHECK(0, "open ring for recvmsg activation");
		return;
	}
	send_udp(F_UDP.src, F_UDP.dst, 1, 2, "before recvmsg...", 2);
	usleep(200000);
	CHECK_EQ(r.info->tot_pkts, 0, "ring inactive before recvmsg");
	CHECK_EQ(recv(r.fd, buf, 1, MSG_DONTWAIT), 0, "recvmsg on an empty ring returns 0 queued");
	send_udp(F_UDP.src, F_UDP.dst, 1, 2, "after recvmsg....", 2);
	CHECK_EQ(ring_count(&r, 2, 2000, 200), 2, "recvmsg activated the ring");
	ring_close(&r);
}

/* Rings opened, configured and closed while a child floods vb: the packet
 * path races with release (RCU freeing), cluster changes and rule edits. */
static int stress(int cycles, int frames)
{
	pid_t pid = fork();
	int i, st, bad = 0;

	if (pid == 0) {
		struct flow fl = F_UDP;

		for (i = 0; i < frames; i++) {
			fl.src = IP(198, 51, 100, i % 16);
			fl.sport = (uint16_t)i;
			send_flow(&fl, "stress traffic payload", 1);
			if (i % 500 == 499)
				usleep(1000);
		}
		_exit(0);
	}
	for (i = 0; i < cycles; i++) {
		struct ring r, r2;
		filtering_rule fr = mkrule(i % 8, i % 3);
		hash_filtering_rule hr;

		if (ring_open(&r, "vb", 128 + i % 5 * 100) != 0) {
			bad++;
			continue;
		}
		ring_activate(&r);
		if (i % 2)
			set_int(&r, SO_ADD_TO_CLUSTER, 3);
		if (i % 4 == 1 && ring_open(&r2, "vb", 128) == 0) {
			ring_activate(&r2);
			set_int(&r2, SO_ADD_TO_CLUSTER, 3);
		} else {
			r2.fd = -1;
			r2.mem = NULL;
		}
		fr.core_fields.proto = 17;
		add_rule(&r, &fr);
		memset(&hr, 0, sizeof(hr));
		hr.proto = 17;
		hr.host_peer_a = IP(198, 51, 100, i % 16);
		hr.host_peer_b = F_UDP.dst;
		hr.port_peer_a = (uint16_t)i;
		hr.port_peer_b = F_UDP.dport;
		hr.rule_action = i % 3;
		setsockopt(r.fd, 0, SO_ADD_FILTERING_RULE, &hr, sizeof(hr));
		set_int(&r, SO_SET_SAMPLING_RATE, i % 4);
		ring_count(&r, 5, 5, 0);
		if (i % 5 == 0)
			setsockopt(r.fd, 0, SO_REMOVE_FROM_CLUSTER, NULL, 0);
		remove_rule(&r, i % 8);
		if (r2.fd >= 0)
			ring_close(&r2);
		ring_close(&r);
	}
	waitpid(pid, &st, 0);
	CHECK(bad == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "%d ring open/configure/close cycles during a %d-frame flood", cycles, frames);
	return bad ? 1 : 0;
}

/* ------------------------------------------------------------------ misc */

static int quick(void)
{
	struct ring r;
	int n;

	if (tx_open("va") < 0 || ring_open(&r, "vb", 256) != 0) {
		CHECK(0, "quick: open (errno %d)", errno);
		return 1;
	}
	ring_activate(&r);
	send_udp(F_UDP.src, F_UDP.dst, 1, 2, "quick check frame", 3);
	n = ring_count(&r, 3, 3000, 100);
	ring_close(&r);
	CHECK_EQ(n, 3, "quick: ring receives 3 of 3 frames");
	return n == 3 ? 0 : 1;
}

static int cycles(int n)
{
	int i, bad = 0;
	struct ring r;

	for (i = 0; i < n; i++) {
		if (ring_open(&r, i & 1 ? "va" : "vb", 128 + (i % 7) * 64) != 0) {
			bad++;
			continue;
		}
		if (i % 3 == 0)
			ring_activate(&r);
		if (i % 5 == 0)
			set_int(&r, SO_ADD_TO_CLUSTER, 1 + i % 4);
		if (i % 7 == 0) {
			filtering_rule fr = mkrule(i % 50, 0);
			hash_filtering_rule hr;

			memset(&hr, 0, sizeof(hr));
			hr.host_peer_a = i;
			add_rule(&r, &fr);
			setsockopt(r.fd, 0, SO_ADD_FILTERING_RULE, &hr, sizeof(hr));
		}
		ring_close(&r);
	}
	CHECK_EQ(bad, 0, "open/bind/mmap/close cycles without error");
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "main";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "hold")) {
		int fd = ring_socket();

		if (fd < 0 || argc < 3)
			return 1;
		close(open(argv[2], O_CREAT | O_WRONLY, 0644));
		for (;;)
			pause();
	}
	if (!strcmp(cmd, "quick"))
		return quick();
	if (!strcmp(cmd, "cycles"))
		return cycles(argc > 2 ? atoi(argv[2]) : 1000);
	if (!strcmp(cmd, "count") && argc > 3) {
		/* count DEV MS READYFILE: frames a ring on DEV gets in MS ms */
		struct ring r;
		int n;

		if (ring_open(&r, argv[2], 256) != 0 || ring_activate(&r) != 0)
			return 1;
		if (argc > 4)
			close(open(argv[4], O_CREAT | O_WRONLY, 0644));
		n = ring_count(&r, 1000000, atoi(argv[3]), 0);
		printf("%d\n", n);
		ring_close(&r);
		return 0;
	}
	if (!strcmp(cmd, "stress")) {
		if (tx_open("va") < 0)
			return 1;
		return stress(argc > 2 ? atoi(argv[2]) : 300, argc > 3 ? atoi(argv[3]) : 20000);
	}
	if (tx_open("va") < 0) {
		CHECK(0, "AF_PACKET sender on va (errno %d)", errno);
		return 1;
	}
	if (!strcmp(cmd, "main")) {
		test_proc();
		test_errors();
		test_layout_and_rx();
		test_tx_capture();
		test_poll();
		test_wake_options();
		test_recvmsg_activates();
		test_full_ring_and_caplen();
		test_rules();
		test_cluster();
		test_reflection();
		test_bpf();
	} else if (!strcmp(cmd, "wakeups")) {
		test_wake_latency();
	} else if (!strcmp(cmd, "plugin")) {
		test_plugin(1);
	} else if (!strcmp(cmd, "plugin-gone")) {
		test_plugin(0);
	} else {
		fprintf(stderr, "unknown command %s\n", cmd);
		return 2;
	}
	printf("ringtest %s: %d passed, %d failed\n", cmd, n_ok, n_fail);
	return n_fail ? 1 : 0;
}
