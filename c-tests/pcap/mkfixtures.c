/* Writes malformed, hostile and unusual savefiles for the differential
 * reader test (readall against both libraries). usage: mkfixtures DIR */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char buf[1 << 20];
static size_t len;
static int be; /* write multi-byte fields big-endian */

static void u8(unsigned v) { buf[len++] = (unsigned char)v; }
static void u16(unsigned v)
{
	if (be) { u8(v >> 8); u8(v); } else { u8(v); u8(v >> 8); }
}
static void u32(uint32_t v)
{
	if (be) { u16(v >> 16); u16(v & 0xffff); } else { u16(v & 0xffff); u16(v >> 16); }
}
static void u64(uint64_t v)
{
	if (be) { u32(v >> 32); u32((uint32_t)v); } else { u32((uint32_t)v); u32(v >> 32); }
}
static void bytes(unsigned n, unsigned seed)
{
	for (unsigned i = 0; i < n; i++)
		u8((i * 7 + seed) & 0xff);
}
static void pad4(void) { while (len % 4) u8(0); }

static void save(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len) { perror(path); exit(1); }
	fclose(f);
	len = 0;
	be = 0;
}

static void pcap_hdr(uint32_t magic, unsigned maj, unsigned min, uint32_t snap, uint32_t lt)
{
	u32(magic); u16(maj); u16(min); u32(0); u32(0); u32(snap); u32(lt);
}
static void rec(uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t wirelen, unsigned data)
{
	u32(sec); u32(frac); u32(caplen); u32(wirelen);
	bytes(data, sec);
}

/* pcapng helpers: blocks are built in place, the length patched at the end */
static size_t blk_start;
static void blk_begin(uint32_t type) { blk_start = len; u32(type); u32(0); }
static void blk_end(void)
{
	size_t save_len;
	uint32_t total;
	pad4();
	total = (uint32_t)(len - blk_start + 4);
	u32(total);
	save_len = len;
	len = blk_start + 4;
	u32(total);
	len = save_len;
}
static void shb(unsigned maj, unsigned min)
{
	blk_begin(0x0A0D0D0A); u32(0x1A2B3C4D); u16(maj); u16(min); u64((uint64_t)-1); blk_end();
}
static void idb(unsigned lt, uint32_t snap, int tsresol, int64_t tsoff)
{
	blk_begin(1); u16(lt); u16(0); u32(snap);
	if (tsresol >= 0) { u16(9); u16(1); u8(tsresol); pad4(); }
	if (tsoff) { u16(14); u16(8); u64((uint64_t)tsoff); }
	u16(0); u16(0);
	blk_end();
}
static void epb(uint32_t ifid, uint64_t ts, uint32_t caplen, uint32_t wirelen, unsigned data)
{
	blk_begin(6); u32(ifid); u32(ts >> 32); u32((uint32_t)ts); u32(caplen); u32(wirelen);
	bytes(data, (unsigned)ts); blk_end();
}
static void spb(uint32_t wirelen, unsigned data)
{
	blk_begin(3); u32(wirelen); bytes(data, 3); blk_end();
}
static void pb(unsigned ifid, uint64_t ts, uint32_t caplen, uint32_t wirelen, unsigned data)
{
	blk_begin(2); u16(ifid); u16(0); u32(ts >> 32); u32((uint32_t)ts); u32(caplen); u32(wirelen);
	bytes(data, 5); blk_end();
}

int main(int argc, char **argv)
{
	const char *d = argc > 1 ? argv[1] : ".";

	/* pcap: magics, byte orders, versions */
	pcap_hdr(0xa1b23c4d, 2, 4, 100, 1); rec(1, 999999999, 10, 60, 10); rec(2, 1000, 3, 3, 3); save(d, "ns-le.pcap");
	be = 1; pcap_hdr(0xa1b2c3d4, 2, 4, 100, 1); rec(0xf0000000u, 0x80000001u, 10, 60, 10); rec(5, 6, 4, 4, 4); save(d, "us-be-highbits.pcap");
	be = 1; pcap_hdr(0xa1b23c4d, 2, 4, 100, 1); rec(1, 123456789, 5, 5, 5); save(d, "ns-be.pcap");
	pcap_hdr(0xa1b2c3d4, 2, 4, 100, 1); rec(0xf0000000u, 0x80000001u, 10, 60, 10); rec(7, 0xfffffff0u, 4, 4, 4); save(d, "us-le-highbits.pcap");
	pcap_hdr(0xa1b23c4d, 2, 4, 100, 1); rec(0xf0000000u, 0xfffffff0u, 10, 60, 10); save(d, "ns-le-highbits.pcap");
	be = 1; pcap_hdr(0xa1b23c4d, 2, 4, 100, 1); rec(0xf0000000u, 0xfffffff0u, 10, 60, 10); save(d, "ns-be-highbits.pcap");
	pcap_hdr(0xa1b2cd34, 2, 4, 100, 1); rec(1, 2, 5, 5, 0); bytes(8 + 5, 1); rec(3, 4, 2, 2, 0); bytes(8 + 2, 2); save(d, "kuznetzov-le.pcap");
	be = 1; pcap_hdr(0xa1b2cd34, 2, 4, 100, 105); rec(1, 2, 5, 5, 0); bytes(8 + 5, 1); save(d, "kuznetzov-be.pcap");
	pcap_hdr(0xa1b2c3d4, 2, 2, 100, 1); rec(1, 2, 60, 10, 10); save(d, "v2.2-swapped-lengths.pcap");
	pcap_hdr(0xa1b2c3d4, 2, 3, 100, 1); rec(1, 2, 60, 10, 10); rec(1, 2, 8, 60, 8); save(d, "v2.3-maybe-swapped.pcap");
	pcap_hdr(0xa1b2c3d4, 543, 0, 100, 1); rec(1, 2, 60, 10, 10); save(d, "v543.0.pcap");
	pcap_hdr(0xa1b2c3d4, 1, 0, 100, 1); save(d, "v1.0-archaic.pcap");
	pcap_hdr(0xa1b2c3d4, 3, 0, 100, 1); save(d, "v3.0.pcap");
	pcap_hdr(0xa1b2c3d4, 2, 5, 100, 1); save(d, "v2.5.pcap");
	pcap_hdr(0xa1b2c3d4, 543, 1, 100, 1); save(d, "v543.1.pcap");
	/* pcap: truncation and lengths */
	pcap_hdr(0xa1b2c3d4, 2, 4, 100, 1); len = 10; save(d, "trunc-filehdr.pcap");
	pcap_hdr(0xa1b2c3d4, 2, 4, 100, 1); rec(1, 2, 4, 4, 4); u32(1); u32(2); save(d, "trunc-rechdr.pcap");
	pcap_hdr(0xa1b2c3d4, 2, 4, 100, 1); rec(1, 2, 40, 40, 17); save(d, "trunc-data.pcap");
	pcap_hdr(0xa1b2c3d4, 2, 4, 8, 1); rec(1, 2, 20, 20, 20); rec(3, 4, 5, 5, 5); save(d, "caplen-over-snaplen.pcap");
	pcap_hdr(0xa1b2c3d4, 2, 4, 8, 1); rec(1, 2, 20, 20, 12); save(d, "caplen-over-snaplen-trunc.pcap");
	pcap_hdr(0xa1b2c3d4, 2, 4, 8, 1); rec(1, 2, 20, 20, 5); save(d, "caplen-over-snaplen-trunc2.pcap");
	pcap_hdr(0xa1b2c3d4, 2, 4, 100, 1); rec(1, 2, 300000, 300000, 10); save(d, "caplen-over-max.pcap");
	pcap_hdr(0xa1b2c3d4, 2, 4, 400000, 1); rec(1, 2, 300000, 300000, 10); save(d, "caplen-over-max-under-snap.pcap");
	pcap_hdr(0xa1b2c3d4, 2, 4, 0, 1); rec(1, 2, 3, 3, 3); save(d, "snaplen-0.pcap");
	pcap_hdr(0xa1b2c3d4, 2, 4, 0x80000000u, 1); rec(1, 2, 3, 3, 3); save(d, "snaplen-huge.pcap");
	pcap_hdr(0xa1b2c3d4, 2, 4, 0, 231); rec(1, 2, 3, 3, 3); save(d, "dbus-snaplen-0.pcap");
	pcap_hdr(0xa1b2c3d4, 2, 4, 100, 0x0fff0001u); rec(1, 2, 3, 3, 3); save(d, "linktype-upper-bits.pcap");
	pcap_hdr(0xa1b2c3d4, 2, 4, 100, 101); rec(1, 2, 3, 3, 3); save(d, "linktype-raw-101.pcap");
	pcap_hdr(0xa1b2c3d4, 2, 4, 100, 70000); rec(1, 2, 3, 3, 3); save(d, "linktype-70000.pcap");
	pcap_hdr(0xa1b2c3d4, 2, 4, 100, 1); save(d, "no-records.pcap");
	pcap_hdr(0xa1b2c3d4, 2, 4, 100, 1); rec(1, 2, 0, 0, 0); save(d, "zero-caplen.pcap");
	u8('a'); u8('b'); u8('c'); save(d, "3-bytes.bin");
	save(d, "empty.bin");
	u32(0x12345678); u32(0); save(d, "bad-magic.bin");
	/* nflog written big-endian: TLV headers are swapped on read */
	be = 1; pcap_hdr(0xa1b2c3d4, 2, 4, 100, 239);
	rec(1, 2, 16, 16, 0); u8(2); u8(0); u8(0); u8(0); u8(8); u8(0); u8(1); u8(0); bytes(4, 1); u8(4); u8(0); u8(2); u8(0);
	save(d, "nflog-be.pcap");

	/* pcapng */
	shb(1, 0); idb(1, 100, 9, 0); epb(0, 1234567890123456789ULL, 5, 60, 5); spb(4, 4); pb(0, 77, 3, 3, 3); save(d, "ng-ns.pcapng");
	shb(1, 0); idb(1, 0, -1, 0); epb(0, 5000001, 5, 5, 5); save(d, "ng-default.pcapng");
	be = 1; shb(1, 0); idb(1, 100, 0x86, 1000); epb(0, 129, 5, 5, 5); save(d, "ng-be-bin-offset.pcapng");
	shb(1, 0); idb(1, 100, 3, -5); epb(0, 123456, 5, 5, 5); save(d, "ng-ms-negoffset.pcapng");
	shb(1, 2); idb(101, 100, -1, 0); epb(0, 1, 2, 2, 2); save(d, "ng-v1.2-raw.pcapng");
	shb(2, 0); idb(1, 100, -1, 0); save(d, "ng-v2.0.pcapng");
	shb(1, 1); idb(1, 100, -1, 0); save(d, "ng-v1.1.pcapng");
	shb(1, 0); idb(1, 100, -1, 0); idb(105, 100, -1, 0); epb(1, 1, 2, 2, 2); save(d, "ng-second-idb-other-type.pcapng");
	shb(1, 0); idb(1, 100, -1, 0); idb(1, 200, -1, 0); epb(1, 1, 2, 2, 2); save(d, "ng-second-idb-other-snap.pcapng");
	shb(1, 0); idb(1, 100, -1, 0); idb(1, 100, 9, 0); epb(1, 1000000001, 2, 2, 2); epb(0, 1000001, 2, 2, 2); save(d, "ng-two-idbs.pcapng");
	shb(1, 0); idb(101, 100, -1, 0); idb(101, 100, -1, 0); epb(0, 1, 2, 2, 2); save(d, "ng-two-raw-idbs.pcapng");
	shb(1, 0); idb(1, 0, -1, 0); idb(1, 0, -1, 0); epb(0, 1, 2, 2, 2); save(d, "ng-two-idbs-snap0.pcapng");
	shb(1, 0); epb(0, 1, 2, 2, 2); save(d, "ng-packet-before-idb.pcapng");
	shb(1, 0); save(d, "ng-no-idb.pcapng");
	shb(1, 0); idb(1, 100, -1, 0); epb(3, 1, 2, 2, 2); save(d, "ng-unknown-interface.pcapng");
	shb(1, 0); idb(1, 10, -1, 0); epb(0, 1, 20, 20, 20); save(d, "ng-caplen-over-snap.pcapng");
	shb(1, 0); idb(1, 10, -1, 0); spb(30, 12); save(d, "ng-spb-over-snap.pcapng");
	shb(1, 0); idb(1, 100, -1, 0); spb(30, 12); save(d, "ng-spb-short.pcapng");
	shb(1, 0); idb(1, 100, -1, 0); epb(0, 1, 40, 40, 8); save(d, "ng-epb-short-data.pcapng");
	shb(1, 0); idb(1, 100, -1, 0); blk_begin(6); u32(0); blk_end(); save(d, "ng-epb-too-short.pcapng");
	shb(1, 0); idb(1, 100, -1, 0); epb(0, 1, 2, 2, 2); buf[len - 1] ^= 0x10; save(d, "ng-bad-trailer.pcapng");
	shb(1, 0); idb(1, 100, -1, 0); u32(6); u32(8); save(d, "ng-block-len-8.pcapng");
	shb(1, 0); idb(1, 100, -1, 0); u32(6); u32(30); bytes(22, 0); save(d, "ng-block-len-odd.pcapng");
	shb(1, 0); idb(1, 100, -1, 0); u32(6); u32(0x7ffffff0); save(d, "ng-block-huge.pcapng");
	shb(1, 0); idb(1, 100, -1, 0); u32(6); u32(64); bytes(20, 0); save(d, "ng-block-trunc.pcapng");
	shb(1, 0); idb(1, 100, -1, 0); u32(6); u32(64); save(d, "ng-block-trunc-at-body.pcapng");
	shb(1, 0); idb(1, 100, -1, 0); u32(6); u16(1); save(d, "ng-blockhdr-trunc.pcapng");
	shb(1, 0); idb(1, 100, -1, 0); be = 1; shb(1, 0); be = 0; idb(1, 100, -1, 0); save(d, "ng-mixed-byte-order.pcapng");
	shb(1, 0); idb(1, 100, -1, 0); epb(0, 1, 2, 2, 2); shb(1, 0); epb(0, 1, 2, 2, 2); save(d, "ng-second-section-no-idb.pcapng");
	shb(1, 0); idb(1, 100, -1, 0); epb(0, 1, 2, 2, 2); shb(2, 0); save(d, "ng-second-section-v2.pcapng");
	shb(1, 0); blk_begin(1); u16(1); u16(0); u32(100); u16(9); u16(2); u8(6); u8(0); pad4(); blk_end(); save(d, "ng-tsresol-len2.pcapng");
	shb(1, 0); blk_begin(1); u16(1); u16(0); u32(100); u16(9); u16(1); u8(6); pad4(); u16(9); u16(1); u8(6); pad4(); blk_end(); save(d, "ng-tsresol-twice.pcapng");
	shb(1, 0); idb(1, 100, 20, 0); save(d, "ng-tsresol-10e20.pcapng");
	shb(1, 0); idb(1, 100, 0x80 | 64, 0); save(d, "ng-tsresol-2e64.pcapng");
	shb(1, 0); blk_begin(1); u16(1); u16(0); u32(100); u16(2); u16(40); blk_end(); save(d, "ng-option-overrun.pcapng");
	shb(1, 0); blk_begin(1); u16(1); blk_end(); save(d, "ng-idb-too-short.pcapng");
	shb(1, 0); blk_begin(1); u16(1); u16(0); u32(100); u16(0); u16(4); u32(0); blk_end(); save(d, "ng-endofopt-len4.pcapng");
	u32(0x0A0D0D0A); u32(20); u32(0x1A2B3C4D); u32(0); u32(0); save(d, "ng-shb-short.pcapng");
	u32(0x0A0D0D0A); u32(2000000); u32(0x1A2B3C4D); save(d, "ng-shb-insane.pcapng");
	u32(0x0A0D0D0A); u32(28); u32(0x11223344); save(d, "ng-shb-bad-bom.pcapng");
	u32(0x0A0D0D0A); u32(28); save(d, "ng-shb-8bytes.pcapng");
	u32(0x0A0D0D0A); u32(64); u32(0x1A2B3C4D); u16(1); u16(0); save(d, "ng-shb-trunc.pcapng");
	return 0;
}
