// SPDX-License-Identifier: GPL-2.0
/*
 * Runs libpfring's shared rule-engine vector table (tests/data/rules/
 * vectors.txt, format in src/rules/vectors.rs) against the kernel module
 * directly: every vector gets a fresh ring on vb, frames are sent on va and
 * the verdict is read from the ring (tot_pkts moves for every frame the ring
 * sees; tot_insert only for forwarded ones).  Rules are sanitised first, as
 * pfring_add_filtering_rule does.  Vectors marked `only <other backend>` are
 * skipped.  Prints one KMODTEST line per vector.
 *
 *   vectors FILE
 */
#include "common.h"

#define MAXTOK 64

static struct ring R;
static unsigned int npkts;      /* frames the current ring has seen */
static char vname[256];
static int vfail;               /* failures inside the current vector */
static int lineno;

static void vfailf(const char *fmt, ...)
{
	va_list ap;

	printf("  vector '%s' line %d: ", vname, lineno);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	vfail++;
}

/* ------------------------------------------------------------ tokens */

static int tokenize(const char *line, char toks[][512], int max)
{
	int n = 0, len = 0, in = 0;
	const char *p = line;

	while (*p && *p != '\n') {
		char c = *p++;

		if (c == '#')
			break;
		if (c == ' ' || c == '\t' || c == '\r') {
			if (in && n < max) {
				toks[n][len] = 0;
				n++;
			}
			in = 0;
			len = 0;
			continue;
		}
		in = 1;
		if (c == '"') {
			toks[n][len++] = '"';
			while (*p && *p != '"' && *p != '\n') {
				if (*p == '\\' && p[1] == 'x' && p[2] && p[3]) {
					char h[3] = { p[2], p[3], 0 };

					toks[n][len++] = (char)strtoul(h, NULL, 16);
					p += 4;
				} else if (*p == '\\' && p[1]) {
					toks[n][len++] = p[1];
					p += 2;
				} else {
					toks[n][len++] = *p++;
				}
			}
			if (*p == '"')
				p++;
			toks[n][len++] = '"';
			continue;
		}
		toks[n][len++] = c;
	}
	if (in && n < max) {
		toks[n][len] = 0;
		n++;
	}
	return n;
}

/* Quoted token value: returns its byte length, copies the bytes out. */
static int unquote(const char *v, char *out, int max)
{
	int n = (int)strlen(v) - 2;

	if (n < 0 || v[0] != '"' || n > max)
		return -1;
	memcpy(out, v + 1, n);
	return n;
}

static unsigned long num(const char *s)
{
	return strtoul(s, NULL, 10);
}

static uint32_t ipv4(const char *s)
{
	struct in_addr a;
	char buf[64];

	snprintf(buf, sizeof(buf), "%s", s);
	if (inet_pton(AF_INET, buf, &a) != 1)
		return 0;
	return ntohl(a.s_addr);
}

static void endpoint(const char *s, uint32_t *ip, uint16_t *port)
{
	char buf[64];
	char *c;

	snprintf(buf, sizeof(buf), "%s", s);
	c = strchr(buf, ':');
	*port = 0;
	if (c) {
		*c = 0;
		*port = (uint16_t)num(c + 1);
	}
	*ip = ipv4(buf);
}

static uint32_t action(const char *v)
{
	if (!strcmp(v, "fwd"))
		return 0;
	if (!strcmp(v, "drop"))
		return 1;
	if (!strcmp(v, "cont"))
		return 2;
	return (uint32_t)strtoul(v, NULL, 10);
}

static int errno_of(const char *name)
{
	if (!name)
		return 0;
	if (!strcmp(name, "EINVAL"))
		return EINVAL;
	if (!strcmp(name, "ENOENT"))
		return ENOENT;
	if (!strcmp(name, "EEXIST"))
		return EEXIST;
	if (!strcmp(name, "EOPNOTSUPP"))
		return EOPNOTSUPP;
	return -1;
}

/* ------------------------------------------------------------ frames */

static int put16(unsigned char *p, unsigned int v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
	return 2;
}

static uint16_t csum(const unsigned char *d, int n)
{
	uint32_t s = 0;
	int i;

	for (i = 0; i < n; i += 2)
		s += (d[i] << 8) | (i + 1 < n ? d[i + 1] : 0);
	while (s > 0xffff)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static int eth_header(unsigned char *f, int vlan, unsigned int type)
{
	static const unsigned char macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	int o = 12;

	memcpy(f, macs, 12);
	if (vlan >= 0) {
		o += put16(f + o, 0x8100);
		o += put16(f + o, vlan);
	}
	o += put16(f + o, type);
	return o;
}

/* Same bytes as src/rules/vectors.rs build_frame. Returns length or -1. */
static int build(char toks[][512], int n, unsigned char *f)
{
	const char *kind = n > 0 ? toks[0] : "";
	int i, o, vlan = -1, ihl = 5, len = -1, flags = 0x18, plen = 0, l4hdr, iplen, nb = 0;
	unsigned int proto;
	char payload[2048];
	const char *pos[3];
	uint32_t sip, dip;
	uint16_t sport = 0, dport = 0;
	unsigned char *ip, *l4;

	if (!strcmp(kind, "hex")) {
		char hex[4096] = "";

		for (i = 1; i < n; i++)
			strncat(hex, toks[i], sizeof(hex) - strlen(hex) - 1);
		for (i = 0; hex[i] && hex[i + 1]; i += 2) {
			char h[3] = { hex[i], hex[i + 1], 0 };

			f[nb++] = (unsigned char)strtoul(h, NULL, 16);
		}
		return nb;
	}
	if (!strcmp(kind, "arp")) {
		static const unsigned char a[28] = { 0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 198, 51,
						     100, 1, 0, 0, 0, 0, 0, 0, 198, 51, 100, 2 };

		o = eth_header(f, -1, 0x0806);
		memcpy(f + o, a, sizeof(a));
		return o + (int)sizeof(a);
	}
	proto = !strcmp(kind, "udp") ? 17 : !strcmp(kind, "tcp") ? 6 : !strcmp(kind, "icmp") ? 1 : 0;
	if (!proto && strcmp(kind, "ip"))
		return -1;
	for (i = 1; i < n; i++) {
		char *eq = strchr(toks[i], '=');

		if (!eq) {
			if (nb < 3)
				pos[nb++] = toks[i];
			continue;
		}
		*eq = 0;
		if (!strcmp(toks[i], "vlan"))
			vlan = (int)num(eq + 1);
		else if (!strcmp(toks[i], "payload"))
			plen = unquote(eq + 1, payload, sizeof(payload));
		else if (!strcmp(toks[i], "ihl"))
			ihl = (int)num(eq + 1);
		else if (!strcmp(toks[i], "len"))
			len = (int)num(eq + 1);
		else if (!strcmp(toks[i], "flags"))
			flags = (int)num(eq + 1);
		else if (!strcmp(toks[i], "proto"))
			proto = (unsigned int)num(eq + 1);
		else
			return -1;
		*eq = '=';
	}
	if (nb != 3 || strcmp(pos[1], ">") || plen < 0)
		return -1;
	if (!strcmp(kind, "udp") || !strcmp(kind, "tcp")) {
		endpoint(pos[0], &sip, &sport);
		endpoint(pos[2], &dip, &dport);
	} else {
		sip = ipv4(pos[0]);
		dip = ipv4(pos[2]);
	}
	o = eth_header(f, vlan, 0x0800);
	l4hdr = !strcmp(kind, "udp") ? 8 : !strcmp(kind, "tcp") ? 20 : !strcmp(kind, "icmp") ? 8 : 0;
	if (len >= 0) {
		int headers = o + ihl * 4 + l4hdr;

		if (len < headers + plen)
			return -1;
		memset(payload + plen, 0, len - headers - plen);
		plen = len - headers;
	}
	iplen = ihl * 4 + l4hdr + plen;
	ip = f + o;
	memset(ip, 1, ihl * 4);
	ip[0] = 0x40 | ihl;
	ip[1] = 0;
	put16(ip + 2, iplen);
	ip[4] = 0;
	ip[5] = 1;
	ip[6] = 0x40;
	ip[7] = 0;
	ip[8] = 64;
	ip[9] = proto;
	ip[10] = ip[11] = 0;
	put16(ip + 12, sip >> 16);
	put16(ip + 14, sip & 0xffff);
	put16(ip + 16, dip >> 16);
	put16(ip + 18, dip & 0xffff);
	put16(ip + 10, csum(ip, ihl * 4));
	l4 = ip + ihl * 4;
	if (!strcmp(kind, "udp")) {
		put16(l4, sport);
		put16(l4 + 2, dport);
		put16(l4 + 4, 8 + plen);
		l4[6] = l4[7] = 0;
	} else if (!strcmp(kind, "tcp")) {
		static const unsigned char t[16] = { 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0, 0xff, 0xff, 0, 0, 0, 0 };

		put16(l4, sport);
		put16(l4 + 2, dport);
		memcpy(l4 + 4, t, 16);
		l4[13] = flags;
	} else if (!strcmp(kind, "icmp")) {
		static const unsigned char ic[8] = { 8, 0, 0, 0, 0, 1, 0, 1 };

		memcpy(l4, ic, 8);
	}
	memcpy(l4 + l4hdr, payload, plen);
	if (!strcmp(kind, "icmp"))
		put16(l4 + 2, csum(l4, 8 + plen));
	return (int)(l4 + l4hdr + plen - f);
}

/* ------------------------------------------------------------ rules */

static int parse_rule(char toks[][512], int n, filtering_rule *r)
{
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 1; i < n; i++) {
		char *k = toks[i], *v = strchr(k, '=');
		char pat[64];
		int pl;

		if (!v)
			return -1;
		*v++ = 0;
		if (!strcmp(k, "id"))
			r->rule_id = (uint16_t)num(v);
		else if (!strcmp(k, "action"))
			*(uint32_t *)&r->rule_action = action(v);
		else if (!strcmp(k, "proto"))
			r->core_fields.proto = (uint8_t)num(v);
		else if (!strcmp(k, "vlan"))
			r->core_fields.vlan_id = (uint16_t)num(v);
		else if (!strcmp(k, "hosts")) {
			char *d = strchr(v, '-');

			if (!d)
				return -1;
			*d = 0;
			r->core_fields.host_low = ipv4(v);
			r->core_fields.host_high = ipv4(d + 1);
		} else if (!strcmp(k, "ports")) {
			char *d = strchr(v, '-');

			if (!d)
				return -1;
			*d = 0;
			r->core_fields.port_low = (uint16_t)num(v);
			r->core_fields.port_high = (uint16_t)num(d + 1);
		} else if (!strcmp(k, "balance")) {
			char *d = strchr(v, '/');

			if (!d)
				return -1;
			*d = 0;
			r->balance_id = (uint8_t)num(v);
			r->balance_pool = (uint8_t)num(d + 1);
		} else if (!strcmp(k, "pattern")) {
			pl = unquote(v, pat, 31);
			if (pl < 0)
				return -1;
			memcpy(r->extended_fields.payload_pattern, pat, pl);
		} else if (!strcmp(k, "filter_plugin"))
			r->extended_fields.filter_plugin_id = (uint16_t)num(v);
		else if (!strcmp(k, "plugin"))
			r->plugin_action.plugin_id = (uint16_t)num(v);
		else
			return -1;
	}
	/* pfring_add_filtering_rule's sanitising */
	if (r->core_fields.port_low > r->core_fields.port_high)
		r->core_fields.port_low = r->core_fields.port_high;
	if (r->core_fields.host_low > r->core_fields.host_high)
		r->core_fields.host_low = r->core_fields.host_high;
	if (r->balance_id > r->balance_pool)
		r->balance_id = 0;
	return 0;
}

static int parse_hash(char toks[][512], int n, hash_filtering_rule *r)
{
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < n; i++) {
		char *k = toks[i], *v = strchr(k, '=');

		if (!v)
			return -1;
		*v++ = 0;
		if (!strcmp(k, "action"))
			*(uint32_t *)&r->rule_action = action(v);
		else if (!strcmp(k, "vlan"))
			r->vlan_id = (uint16_t)num(v);
		else if (!strcmp(k, "proto"))
			r->proto = (uint8_t)num(v);
		else if (!strcmp(k, "a"))
			endpoint(v, &r->host_peer_a, &r->port_peer_a);
		else if (!strcmp(k, "b"))
			endpoint(v, &r->host_peer_b, &r->port_peer_b);
		else if (!strcmp(k, "plugin"))
			r->plugin_action.plugin_id = (uint16_t)num(v);
		else
			return -1;
	}
	return 0;
}

static void expect_rc(int rc, int want_errno, const char *what)
{
	int e = rc < 0 ? errno : 0;

	if (want_errno < 0)
		vfailf("%s: unknown errno name", what);
	else if (e != want_errno)
		vfailf("%s: got %s, want %s", what, e ? strerror(e) : "success",
		       want_errno ? strerror(want_errno) : "success");
}

/* ------------------------------------------------------------ steps */

static void do_send(char toks[][512], int n, int want_fwd)
{
	unsigned char f[4096];
	static unsigned char b[70000];
	struct pfring_pkthdr h;
	int len = build(toks + 1, n - 1, f), got;
	long long end;

	if (len < 14) {
		vfailf("bad frame");
		return;
	}
	if (send_raw(f, len) != len) {
		vfailf("send failed: %s", strerror(errno));
		return;
	}
	npkts++;
	end = now_ms() + 3000;
	while (__atomic_load_n(&R.info->tot_pkts, __ATOMIC_ACQUIRE) < npkts && now_ms() < end)
		usleep(500);
	if (R.info->tot_pkts != npkts) {
		vfailf("the ring saw %llu frames, want %u", (unsigned long long)R.info->tot_pkts, npkts);
		npkts = (unsigned int)R.info->tot_pkts;
		return;
	}
	got = ring_recv(&R, &h, b, sizeof(b), want_fwd ? 2000 : 0);
	if (want_fwd && got != 1)
		vfailf("frame dropped, want fwd");
	else if (!want_fwd && got == 1)
		vfailf("frame forwarded, want drop");
	else if (got == 1 && (h.len != (unsigned)len || h.caplen != (unsigned)len || memcmp(b, f, len)))
		vfailf("forwarded frame differs (len %u caplen %u, sent %d)", h.len, h.caplen, len);
}

static void do_stats(int hash, char toks[][512], int n, const char *arrow)
{
	char sb[2048];
	socklen_t l = 16;
	uint64_t want_p = 0, want_b = 0, st[2];
	int nk = 0, rc, i;

	memset(sb, 0, sizeof(sb));
	if (hash) {
		hash_filtering_rule hr;

		for (i = 1; i < n && strchr(toks[i], '='); i++)
			nk++;
		if (parse_hash(toks + 1, nk, &hr)) {
			vfailf("bad hstats");
			return;
		}
		memcpy(sb, &hr, sizeof(hr));
		l = sizeof(sb);
		i = 1 + nk;
	} else {
		*(uint16_t *)sb = (uint16_t)num(toks[1]);
		i = 2;
	}
	if (!arrow) {
		if (n - i != 2) {
			vfailf("want PKTS BYTES");
			return;
		}
		want_p = strtoull(toks[i], NULL, 10);
		want_b = strtoull(toks[i + 1], NULL, 10);
	}
	rc = getsockopt(R.fd, 0, hash ? SO_GET_HASH_FILTERING_RULE_STATS : SO_GET_FILTERING_RULE_STATS, sb, &l);
	if (arrow) {
		expect_rc(rc, errno_of(arrow), hash ? "hstats" : "stats");
		return;
	}
	if (rc != 16) {
		vfailf("stats: rc %d (%s)", rc, rc < 0 ? strerror(errno) : "");
		return;
	}
	memcpy(st, sb, sizeof(st));
	if (st[0] != want_p || st[1] != want_b)
		vfailf("stats: got %llu pkts %llu bytes, want %llu %llu", (unsigned long long)st[0],
		       (unsigned long long)st[1], (unsigned long long)want_p, (unsigned long long)want_b);
}

static void step(char toks[][512], int n)
{
	const char *arrow = NULL;
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(toks[i], "=>")) {
			arrow = i + 1 < n ? toks[i + 1] : "";
			n = i;
			break;
		}
	if (!strcmp(toks[0], "policy")) {
		uint8_t v = n > 1 && !strcmp(toks[1], "accept");

		if (setsockopt(R.fd, 0, SO_TOGGLE_FILTER_POLICY, &v, 1))
			vfailf("policy: %s", strerror(errno));
	} else if (!strcmp(toks[0], "rule")) {
		filtering_rule r;

		if (parse_rule(toks, n, &r)) {
			vfailf("bad rule");
			return;
		}
		expect_rc(setsockopt(R.fd, 0, SO_ADD_FILTERING_RULE, &r, sizeof(r)), errno_of(arrow), "rule");
	} else if (!strcmp(toks[0], "remove")) {
		uint16_t id = (uint16_t)num(toks[1]);

		expect_rc(setsockopt(R.fd, 0, SO_REMOVE_FILTERING_RULE, &id, sizeof(id)), errno_of(arrow),
			  "remove");
	} else if (!strcmp(toks[0], "hash") || !strcmp(toks[0], "unhash")) {
		hash_filtering_rule hr;
		int add = !strcmp(toks[0], "hash");

		if (parse_hash(toks + 1, n - 1, &hr)) {
			vfailf("bad hash rule");
			return;
		}
		expect_rc(setsockopt(R.fd, 0, add ? SO_ADD_FILTERING_RULE : SO_REMOVE_FILTERING_RULE, &hr,
				     sizeof(hr)),
			  errno_of(arrow), toks[0]);
	} else if (!strcmp(toks[0], "send")) {
		do_send(toks, n, arrow && !strcmp(arrow, "fwd"));
	} else if (!strcmp(toks[0], "stats") || !strcmp(toks[0], "hstats")) {
		do_stats(!strcmp(toks[0], "hstats"), toks, n, arrow);
	} else {
		vfailf("unknown statement %s", toks[0]);
	}
}

int main(int argc, char **argv)
{
	static char toks[MAXTOK][512];
	char line[4096];
	FILE *f;
	int in = 0, skip = 0, only_seen = 0, only_kmod = 0, nvec = 0, nskip = 0, nsteps = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || !(f = fopen(argv[1], "r"))) {
		CHECK(0, "vectors: open the vector file");
		return 1;
	}
	if (tx_open("va") < 0) {
		CHECK(0, "vectors: AF_PACKET sender");
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		int n;

		lineno++;
		n = tokenize(line, toks, MAXTOK);
		if (n == 0)
			continue;
		if (!strcmp(toks[0], "vector")) {
			char *p = strstr(line, "vector") + 6;

			while (*p == ' ')
				p++;
			snprintf(vname, sizeof(vname), "%s", p);
			vname[strcspn(vname, "\n")] = 0;
			in = 1;
			skip = vfail = only_seen = only_kmod = 0;
			npkts = 0;
			if (ring_open(&R, "vb", 512) != 0 || ring_activate(&R) != 0) {
				vfailf("cannot open a ring: %s", strerror(errno));
				skip = 1;
			}
			continue;
		}
		if (!in)
			continue;
		if (!strcmp(toks[0], "only")) {
			only_seen = 1;
			if (n > 1 && !strcmp(toks[1], "kmod"))
				only_kmod = 1;
			continue;
		}
		if (!strcmp(toks[0], "end")) {
			in = 0;
			if (only_seen && !only_kmod) {
				nskip++;
				printf("  vector '%s': not for kmod, skipped\n", vname);
			} else {
				nvec++;
				CHECK(!vfail && !skip, "rule vector '%s'", vname);
			}
			ring_close(&R);
			continue;
		}
		if (skip || (only_seen && !only_kmod))
			continue;
		nsteps++;
		step(toks, n);
	}
	fclose(f);
	printf("vectors: %d run, %d skipped, %d statements\n", nvec, nskip, nsteps);
	CHECK(nvec >= 40, "vector table ran (%d vectors, %d statements)", nvec, nsteps);
	return n_fail ? 1 : 0;
}
