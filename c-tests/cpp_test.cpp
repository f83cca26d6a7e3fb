// The C++ wrapper: RAII, move-only, C method names. Usage: cpp_test DEVICE
#include "PFring.h"
#include <type_traits>
#include <utility>
#include <string>
#include <cstdio>

static_assert(!std::is_copy_constructible<PFring>::value, "PFring must not be copyable");
static_assert(!std::is_copy_assignable<PFring>::value, "PFring must not be copy-assignable");
static_assert(std::is_nothrow_move_constructible<PFring>::value, "PFring is movable");

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  PFring bad("nosuchdev0", false);
  if (bad.is_open() || errno != ENODEV || bad.get_socket_id() != -1)
    return 10;
  PFring a(argv[1], true, true);
  if (!a.is_open())
    return 11;
  u_int32_t v = 0;
  if (a.get_version(&v) != 0 || v != 0x030705)
    return 12;
  PFring b(std::move(a));
  if (a.is_open() || !b.is_open() || std::string(b.get_device_name()) != argv[1])
    return 13;
  if (b.enable_ring() != 0)
    return 14;
  struct pfring_pkthdr hdr;
  char buf[128];
  if (b.get_next_packet(&hdr, buf, sizeof(buf), false) != 0)
    return 15;
  if (b.wait_for_packets(10))
    return 16;
  pfring_stat st;
  if (b.get_stats(&st) != 0 || st.recv != 0 || st.drop != 0)
    return 17;
  if (b.set_sampling_rate(0) != -1 || b.get_socket_id() < 0)
    return 18;
  PFring c("nosuchdev0", false);
  c = std::move(b);
  if (!c.is_open() || b.is_open())
    return 19;
  std::printf("cpp ok\n");
  return 0;
}
