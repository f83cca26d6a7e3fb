/* Deterministic mutations of seed captures for the differential reader
 * test: bit flips, byte overwrites with boundary values, truncation,
 * duplicated and deleted ranges, and corrupted header/length fields.
 * usage: mutate OUTDIR COUNT SEED-FILE... */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng;
static uint32_t next(void)
{
	rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static unsigned char *load(const char *p, size_t *n)
{
	FILE *f = fopen(p, "rb");
	unsigned char *b;
	if (!f) return NULL;
	fseek(f, 0, SEEK_END); *n = (size_t)ftell(f); fseek(f, 0, SEEK_SET);
	if (*n > 200000) *n = 200000;
	b = malloc(*n * 2 + 64);
	if (fread(b, 1, *n, f) != *n) { fclose(f); free(b); return NULL; }
	fclose(f);
	return b;
}

int main(int argc, char **argv)
{
	static const uint32_t vals[] = { 0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x3ffff, 0x40000,
		0x40001, 0x7fffffff, 0x80000000u, 0xffffffffu, 12, 28, 3, 4, 0xa1b2c3d4u, 0x0a0d0d0au, 0x1a2b3c4du };
	int count;
	if (argc < 4) return 2;
	count = atoi(argv[2]);
	for (int i = 0; i < count; i++) {
		size_t n, len;
		const char *seed = argv[3 + i % (argc - 3)];
		unsigned char *b = load(seed, &n);
		char out[4096];
		FILE *f;
		if (!b || n < 8) { free(b); continue; }
		rng = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)(i + 1) * 0x100000001b3ULL);
		len = n;
		int muts = 1 + (int)(next() % 4);
		for (int m = 0; m < muts; m++) {
			size_t at = next() % len;
			switch (next() % 7) {
			case 0: b[at] ^= (unsigned char)(1u << (next() % 8)); break;
			case 1: b[at] = (unsigned char)next(); break;
			case 2: { /* 32-bit boundary value, within the first 200 bytes most of the time */
				uint32_t v = vals[next() % (sizeof vals / sizeof vals[0])];
				size_t p = (next() % 4) ? next() % (len < 200 ? len : 200) : at;
				p &= ~(size_t)3;
				if (p + 4 <= len) memcpy(b + p, &v, 4);
				break; }
			case 3: len = 1 + next() % len; break; /* truncate */
			case 4: { size_t k = next() % 64; if (at + k < len) { memmove(b + at, b + at + k, len - at - k); len -= k; } break; }
			case 5: { size_t k = next() % 64; if (at + k <= len) { memmove(b + at + k, b + at, len - at); len += k; } break; }
			case 6: { uint16_t v = (uint16_t)vals[next() % (sizeof vals / sizeof vals[0])]; if (at + 2 <= len) memcpy(b + at, &v, 2); break; }
			}
			if (len == 0) len = 1;
		}
		snprintf(out, sizeof out, "%s/m%05d", argv[1], i);
		f = fopen(out, "wb");
		if (!f) { perror(out); return 1; }
		fwrite(b, 1, len, f);
		fclose(f);
		free(b);
	}
	return 0;
}
