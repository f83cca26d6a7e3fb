/*
 * The pcap API of pfring-rs: declarations compatible with libpcap 1.10, for
 * programs built against libpcap.so.0.8 from this project (or Debian's).
 */
#ifndef PCAP_PCAP_H_INCLUDED
#define PCAP_PCAP_H_INCLUDED

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <pcap/bpf.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Savefile format version written by pcap_dump_open(). */
#define PCAP_VERSION_MAJOR 2
#define PCAP_VERSION_MINOR 4

/* Size of the error buffers passed to the API. */
#define PCAP_ERRBUF_SIZE 256

typedef struct pcap pcap_t;
typedef struct pcap_dumper pcap_dumper_t;
typedef struct pcap_if pcap_if_t;
typedef struct pcap_addr pcap_addr_t;

/* Header at the start of a pcap savefile. */
struct pcap_file_header {
	bpf_u_int32 magic;
	u_short version_major;
	u_short version_minor;
	bpf_int32 thiszone;	/* always 0 */
	bpf_u_int32 sigfigs;	/* always 0 */
	bpf_u_int32 snaplen;	/* largest record length */
	bpf_u_int32 linktype;	/* LINKTYPE_* value, plus extension bits */
};

/* Extension bits of the link-type field: FCS length in the upper 4 bits. */
#define LT_FCS_LENGTH_PRESENT(x)	((x) & 0x04000000)
#define LT_FCS_LENGTH(x)		(((x) & 0xF0000000) >> 28)
#define LT_FCS_DATALINK_EXT(x)		((((x) & 0xF) << 28) | 0x04000000)

typedef enum {
	PCAP_D_INOUT = 0,
	PCAP_D_IN,
	PCAP_D_OUT
} pcap_direction_t;

/* Per-packet header handed to callbacks. */
struct pcap_pkthdr {
	struct timeval ts;	/* time stamp */
	bpf_u_int32 caplen;	/* bytes present */
	bpf_u_int32 len;	/* bytes on the wire */
};

/* Capture statistics. */
struct pcap_stat {
	u_int ps_recv;
	u_int ps_drop;
	u_int ps_ifdrop;
};

/* A capture device, as listed by pcap_findalldevs(). */
struct pcap_if {
	struct pcap_if *next;
	char *name;
	char *description;
	struct pcap_addr *addresses;
	bpf_u_int32 flags;
};

#define PCAP_IF_LOOPBACK				0x00000001
#define PCAP_IF_UP					0x00000002
#define PCAP_IF_RUNNING					0x00000004
#define PCAP_IF_WIRELESS				0x00000008
#define PCAP_IF_CONNECTION_STATUS			0x00000030
#define PCAP_IF_CONNECTION_STATUS_UNKNOWN		0x00000000
#define PCAP_IF_CONNECTION_STATUS_CONNECTED		0x00000010
#define PCAP_IF_CONNECTION_STATUS_DISCONNECTED		0x00000020
#define PCAP_IF_CONNECTION_STATUS_NOT_APPLICABLE	0x00000030

/* One address of a device. */
struct pcap_addr {
	struct pcap_addr *next;
	struct sockaddr *addr;
	struct sockaddr *netmask;
	struct sockaddr *broadaddr;
	struct sockaddr *dstaddr;
};

typedef void (*pcap_handler)(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes);

/* Return codes: errors are negative, warnings positive. */
#define PCAP_ERROR			-1
#define PCAP_ERROR_BREAK		-2
#define PCAP_ERROR_NOT_ACTIVATED	-3
#define PCAP_ERROR_ACTIVATED		-4
#define PCAP_ERROR_NO_SUCH_DEVICE	-5
#define PCAP_ERROR_RFMON_NOTSUP		-6
#define PCAP_ERROR_NOT_RFMON		-7
#define PCAP_ERROR_PERM_DENIED		-8
#define PCAP_ERROR_IFACE_NOT_UP		-9
#define PCAP_ERROR_CANTSET_TSTAMP_TYPE	-10
#define PCAP_ERROR_PROMISC_PERM_DENIED	-11
#define PCAP_ERROR_TSTAMP_PRECISION_NOTSUP -12

#define PCAP_WARNING			1
#define PCAP_WARNING_PROMISC_NOTSUP	2
#define PCAP_WARNING_TSTAMP_TYPE_NOTSUP	3

/* Netmask to pass to pcap_compile() when it is not known. */
#define PCAP_NETMASK_UNKNOWN 0xffffffff

/* pcap_init() options. */
#define PCAP_CHAR_ENC_LOCAL 0x00000000U
#define PCAP_CHAR_ENC_UTF_8 0x00000001U

/* Time stamp types and precisions. */
#define PCAP_TSTAMP_HOST			0
#define PCAP_TSTAMP_HOST_LOWPREC		1
#define PCAP_TSTAMP_HOST_HIPREC			2
#define PCAP_TSTAMP_ADAPTER			3
#define PCAP_TSTAMP_ADAPTER_UNSYNCED		4
#define PCAP_TSTAMP_HOST_HIPREC_UNSYNCED	5
#define PCAP_TSTAMP_PRECISION_MICRO	0
#define PCAP_TSTAMP_PRECISION_NANO	1

int pcap_init(unsigned int opts, char *errbuf);
char *pcap_lookupdev(char *errbuf);
int pcap_lookupnet(const char *device, bpf_u_int32 *netp, bpf_u_int32 *maskp, char *errbuf);

pcap_t *pcap_create(const char *source, char *errbuf);
int pcap_set_snaplen(pcap_t *p, int snaplen);
int pcap_set_promisc(pcap_t *p, int promisc);
int pcap_can_set_rfmon(pcap_t *p);
int pcap_set_rfmon(pcap_t *p, int rfmon);
int pcap_set_timeout(pcap_t *p, int to_ms);
int pcap_set_tstamp_type(pcap_t *p, int tstamp_type);
int pcap_set_immediate_mode(pcap_t *p, int immediate);
int pcap_set_buffer_size(pcap_t *p, int buffer_size);
int pcap_set_tstamp_precision(pcap_t *p, int tstamp_precision);
int pcap_get_tstamp_precision(pcap_t *p);
int pcap_set_protocol_linux(pcap_t *p, int protocol);
int pcap_activate(pcap_t *p);

int pcap_list_tstamp_types(pcap_t *p, int **tstamp_types);
void pcap_free_tstamp_types(int *tstamp_types);
int pcap_tstamp_type_name_to_val(const char *name);
const char *pcap_tstamp_type_val_to_name(int tstamp_type);
const char *pcap_tstamp_type_val_to_description(int tstamp_type);

pcap_t *pcap_open_live(const char *device, int snaplen, int promisc, int to_ms, char *errbuf);
pcap_t *pcap_open_dead(int linktype, int snaplen);
pcap_t *pcap_open_dead_with_tstamp_precision(int linktype, int snaplen, u_int precision);
pcap_t *pcap_open_offline_with_tstamp_precision(const char *fname, u_int precision, char *errbuf);
pcap_t *pcap_open_offline(const char *fname, char *errbuf);
pcap_t *pcap_fopen_offline_with_tstamp_precision(FILE *fp, u_int precision, char *errbuf);
pcap_t *pcap_fopen_offline(FILE *fp, char *errbuf);
void pcap_close(pcap_t *p);

int pcap_loop(pcap_t *p, int cnt, pcap_handler callback, u_char *user);
int pcap_dispatch(pcap_t *p, int cnt, pcap_handler callback, u_char *user);
const u_char *pcap_next(pcap_t *p, struct pcap_pkthdr *h);
int pcap_next_ex(pcap_t *p, struct pcap_pkthdr **pkt_header, const u_char **pkt_data);
void pcap_breakloop(pcap_t *p);
int pcap_stats(pcap_t *p, struct pcap_stat *ps);
int pcap_setfilter(pcap_t *p, struct bpf_program *fp);
int pcap_setdirection(pcap_t *p, pcap_direction_t d);
int pcap_getnonblock(pcap_t *p, char *errbuf);
int pcap_setnonblock(pcap_t *p, int nonblock, char *errbuf);
int pcap_inject(pcap_t *p, const void *buf, size_t size);
int pcap_sendpacket(pcap_t *p, const u_char *buf, int size);
const char *pcap_statustostr(int error);
const char *pcap_strerror(int errnum);
char *pcap_geterr(pcap_t *p);
void pcap_perror(pcap_t *p, const char *prefix);
int pcap_compile(pcap_t *p, struct bpf_program *fp, const char *str, int optimize, bpf_u_int32 netmask);
int pcap_compile_nopcap(int snaplen, int linktype, struct bpf_program *fp, const char *str, int optimize, bpf_u_int32 netmask);
void pcap_freecode(struct bpf_program *fp);
int pcap_offline_filter(const struct bpf_program *fp, const struct pcap_pkthdr *h, const u_char *pkt);
int pcap_datalink(pcap_t *p);
int pcap_datalink_ext(pcap_t *p);
int pcap_list_datalinks(pcap_t *p, int **dlt_buffer);
int pcap_set_datalink(pcap_t *p, int dlt);
void pcap_free_datalinks(int *dlt_list);
int pcap_datalink_name_to_val(const char *name);
const char *pcap_datalink_val_to_name(int dlt);
const char *pcap_datalink_val_to_description(int dlt);
const char *pcap_datalink_val_to_description_or_dlt(int dlt);
int pcap_snapshot(pcap_t *p);
int pcap_is_swapped(pcap_t *p);
int pcap_major_version(pcap_t *p);
int pcap_minor_version(pcap_t *p);
int pcap_bufsize(pcap_t *p);

FILE *pcap_file(pcap_t *p);
int pcap_fileno(pcap_t *p);
int pcap_get_selectable_fd(pcap_t *p);
const struct timeval *pcap_get_required_select_timeout(pcap_t *p);

pcap_dumper_t *pcap_dump_open(pcap_t *p, const char *fname);
pcap_dumper_t *pcap_dump_fopen(pcap_t *p, FILE *fp);
pcap_dumper_t *pcap_dump_open_append(pcap_t *p, const char *fname);
FILE *pcap_dump_file(pcap_dumper_t *p);
long pcap_dump_ftell(pcap_dumper_t *p);
int64_t pcap_dump_ftell64(pcap_dumper_t *p);
int pcap_dump_flush(pcap_dumper_t *p);
void pcap_dump_close(pcap_dumper_t *p);
void pcap_dump(u_char *user, const struct pcap_pkthdr *h, const u_char *sp);

int pcap_findalldevs(pcap_if_t **alldevsp, char *errbuf);
void pcap_freealldevs(pcap_if_t *alldevs);

const char *pcap_lib_version(void);

/*
 * PF_RING extra (pfring-rs only, not in libpcap): put a live capture in
 * PF_RING cluster cluster_id (1..65535); the members of a cluster share the
 * device's packets, both directions of a flow going to the same member.
 * Call before or after pcap_activate(). Unchanged programs can set the
 * environment variable PCAP_PF_RING_CLUSTER_ID instead.
 */
#define PCAP_HAVE_PF_RING_CLUSTER 1
int pcap_set_cluster(pcap_t *p, u_int cluster_id);

#ifdef __cplusplus
}
#endif

#endif /* PCAP_PCAP_H_INCLUDED */
