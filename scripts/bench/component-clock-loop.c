// The per-call benchmark guest of suite `component-calls`: N monotonic clock reads, timed
// inside the guest with the same clock, so process start and compilation are not counted.
// Built as a preview1 core module (clang-16 + wasi-libc) and, from the same bytes, as a
// component with jco's preview1 command adapter (`jco new --wasi-command`).
// Usage: component-clock-loop <iterations>   prints: ns_per_call <N> <checksum>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: component-clock-loop <iterations>\n");
    return 64;
  }
  long n = strtol(argv[1], NULL, 10);
  long long sum = 0;
  long long t0 = now_ns();
  // The low bit of every read feeds a checksum, so no call can be optimised away.
  for (long i = 0; i < n; i++) sum += now_ns() & 1;
  long long t1 = now_ns();
  printf("ns_per_call %.1f %lld\n", (double)(t1 - t0) / (double)n, sum);
  return 0;
}
