/*
 * Classic BPF as used by the pcap API of pfring-rs (libpcap 1.10 compatible):
 * the instruction and program types, the opcode fields and the interpreter
 * entry points exported by libpcap.so.0.8.
 */
#ifndef PCAP_BPF_H_INCLUDED
#define PCAP_BPF_H_INCLUDED

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int bpf_int32;
typedef unsigned int bpf_u_int32;

/* Alignment used by the BPF word macros. */
#define BPF_ALIGNMENT sizeof(bpf_int32)
#define BPF_WORDALIGN(x) (((x) + (BPF_ALIGNMENT - 1)) & ~(BPF_ALIGNMENT - 1))

/* One instruction: same layout as Linux's struct sock_filter. */
struct bpf_insn {
	u_short code;
	u_char jt;
	u_char jf;
	bpf_u_int32 k;
};

/* A program: bf_len instructions at bf_insns. */
struct bpf_program {
	u_int bf_len;
	struct bpf_insn *bf_insns;
};

#include <pcap/dlt.h>

/* Instruction classes. */
#define BPF_CLASS(code) ((code) & 0x07)
#define BPF_LD		0x00
#define BPF_LDX		0x01
#define BPF_ST		0x02
#define BPF_STX		0x03
#define BPF_ALU		0x04
#define BPF_JMP		0x05
#define BPF_RET		0x06
#define BPF_MISC	0x07

/* Load/store operand sizes. */
#define BPF_SIZE(code) ((code) & 0x18)
#define BPF_W		0x00
#define BPF_H		0x08
#define BPF_B		0x10
/* Addressing modes. */
#define BPF_MODE(code) ((code) & 0xe0)
#define BPF_IMM		0x00
#define BPF_ABS		0x20
#define BPF_IND		0x40
#define BPF_MEM		0x60
#define BPF_LEN		0x80
#define BPF_MSH		0xa0

/* ALU and jump operations. */
#define BPF_OP(code) ((code) & 0xf0)
#define BPF_ADD		0x00
#define BPF_SUB		0x10
#define BPF_MUL		0x20
#define BPF_DIV		0x30
#define BPF_OR		0x40
#define BPF_AND		0x50
#define BPF_LSH		0x60
#define BPF_RSH		0x70
#define BPF_NEG		0x80
#define BPF_MOD		0x90
#define BPF_XOR		0xa0
#define BPF_JA		0x00
#define BPF_JEQ		0x10
#define BPF_JGT		0x20
#define BPF_JGE		0x30
#define BPF_JSET	0x40
#define BPF_SRC(code) ((code) & 0x08)
#define BPF_K		0x00
#define BPF_X		0x08

/* Return value source. */
#define BPF_RVAL(code) ((code) & 0x18)
#define BPF_A		0x10

/* Miscellaneous operations. */
#define BPF_MISCOP(code) ((code) & 0xf8)
#define BPF_TAX		0x00
#define BPF_TXA		0x80

/* Number of scratch memory words. */
#define BPF_MEMWORDS 16

/* Instruction constructors. */
#define BPF_STMT(code, k) { (u_short)(code), 0, 0, k }
#define BPF_JUMP(code, k, jt, jf) { (u_short)(code), jt, jf, k }

/* Runs a program over a packet: the number of bytes to keep, 0 = reject. */
u_int bpf_filter(const struct bpf_insn *pc, const u_char *pkt, u_int wirelen, u_int buflen);
/* 1 when the program is acceptable to pcap_setfilter(). */
int bpf_validate(const struct bpf_insn *f, int len);
/* Text of instruction n, as "tcpdump -d" prints it (static buffer). */
char *bpf_image(const struct bpf_insn *insn, int n);
/* Prints a program to stdout: option 1 = -d, 2 = -dd, 3 = -ddd. */
void bpf_dump(const struct bpf_program *p, int option);

#ifdef __cplusplus
}
#endif

#endif /* PCAP_BPF_H_INCLUDED */
