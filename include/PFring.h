/*
 * PFring.h - header-only C++ wrapper over the PF_RING 3.7.5 C API.
 *
 * The methods carry the C function names without the `pfring_` prefix, as
 * the guide's C++ interface did (pfring_stats -> get_stats). The object owns
 * its ring: it opens it in the constructor and closes it in the destructor;
 * it can be moved but not copied, so a ring is never closed twice.
 *
 *   PFring ring("eth0", true, false);
 *   if (!ring.is_open()) ...;
 *   struct pfring_pkthdr hdr; char buf[2048];
 *   if (ring.get_next_packet(&hdr, buf, sizeof(buf)) > 0) ...;
 *
 * Link with -lpfring -lpthread; needs C++11 or later.
 */
#ifndef PFRING_HPP_H
#define PFRING_HPP_H

#include <poll.h>
#include "pfring.h"

class PFring {
public:
  /* Opens `device`; check is_open() (errno tells why it failed). */
  PFring(const char *device, bool promisc, bool reentrant = false)
      : ring_(pfring_open(const_cast<char *>(device), promisc ? 1 : 0, reentrant ? 1 : 0)) {}

  ~PFring() { close(); }

  PFring(const PFring &) = delete;
  PFring &operator=(const PFring &) = delete;

  PFring(PFring &&other) noexcept : ring_(other.ring_) { other.ring_ = nullptr; }
  PFring &operator=(PFring &&other) noexcept {
    if (this != &other) {
      close();
      ring_ = other.ring_;
      other.ring_ = nullptr;
    }
    return *this;
  }

  bool is_open() const { return ring_ != nullptr; }
  /* The underlying C handle (NULL if the open failed or after a move). */
  pfring *get_ring() const { return ring_; }

  /* Closes the ring now (the destructor then does nothing). */
  void close() {
    if (ring_ != nullptr) {
      pfring_close(ring_);
      ring_ = nullptr;
    }
  }

  int get_stats(pfring_stat *stats) { return ring_ ? pfring_stats(ring_, stats) : -1; }
  int set_cluster(u_int clusterId) { return ring_ ? pfring_set_cluster(ring_, clusterId) : -1; }
  int remove_from_cluster() { return ring_ ? pfring_remove_from_cluster(ring_) : -1; }
  int set_reflector(char *reflectorDevice) {
    return ring_ ? pfring_set_reflector(ring_, reflectorDevice) : -1;
  }
  int set_sampling_rate(u_int32_t rate) { return ring_ ? pfring_set_sampling_rate(ring_, rate) : -1; }
  int add_filtering_rule(filtering_rule *rule) {
    return ring_ ? pfring_add_filtering_rule(ring_, rule) : -1;
  }
  int remove_filtering_rule(u_int16_t rule_id) {
    return ring_ ? pfring_remove_filtering_rule(ring_, rule_id) : -1;
  }
  int toggle_filtering_policy(bool rules_default_accept_policy) {
    return ring_ ? pfring_toggle_filtering_policy(ring_, rules_default_accept_policy ? 1 : 0) : -1;
  }
  int add_hash_filtering_rule(hash_filtering_rule *rule) {
    return ring_ ? pfring_handle_hash_filtering_rule(ring_, rule, 1) : -1;
  }
  int remove_hash_filtering_rule(hash_filtering_rule *rule) {
    return ring_ ? pfring_handle_hash_filtering_rule(ring_, rule, 0) : -1;
  }
  int get_filtering_rule_stats(u_int16_t rule_id, char *stats, u_int *stats_len) {
    return ring_ ? pfring_get_filtering_rule_stats(ring_, rule_id, stats, stats_len) : -1;
  }
  int get_hash_filtering_rule_stats(hash_filtering_rule *rule, char *stats, u_int *stats_len) {
    return ring_ ? pfring_get_hash_filtering_rule_stats(ring_, rule, stats, stats_len) : -1;
  }
  int get_version(u_int32_t *version) { return ring_ ? pfring_version(ring_, version) : -1; }
  int enable_ring() { return ring_ ? pfring_enable_ring(ring_) : -1; }

  /* The descriptor to poll/select on, or -1. */
  int get_socket_id() const { return ring_ ? ring_->fd : -1; }
  const char *get_device_name() const { return ring_ ? ring_->device_name : nullptr; }

  /* Waits up to `msec` ms (-1 = forever) for the socket to become readable.
   * The ring must be enabled (enable_ring() or a first get_next_packet()). */
  bool wait_for_packets(int msec = -1) {
    if (ring_ == nullptr)
      return false;
    struct pollfd pfd;
    pfd.fd = ring_->fd;
    pfd.events = POLLIN | POLLERR;
    pfd.revents = 0;
    return ::poll(&pfd, 1, msec) > 0;
  }

  /* Reads the next packet into `buffer` (blocking unless `wait` is false);
   * returns what pfring_recv returns. */
  int get_next_packet(struct pfring_pkthdr *hdr, char *buffer, u_int buffer_len, bool wait = true) {
    return ring_ ? pfring_recv(ring_, buffer, buffer_len, hdr, wait ? 1 : 0) : -1;
  }

private:
  pfring *ring_;
};

#endif /* PFRING_HPP_H */
