// The clock benchmark guest: N reads of the monotonic clock (one clock_time_get each), timed
// inside the guest with the same clock, so process start and compilation are not counted.
// The same number of calls runs first untimed: both runners then measure their steady state
// (V8 tiers the wasm loop and the JS it calls up only after they have run a while).
// Usage: clock-loop <iterations>   prints: ns_per_call <N>
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
    fprintf(stderr, "usage: clock-loop <iterations>\n");
    return 64;
  }
  long n = strtol(argv[1], NULL, 10);
  long long sum = 0;
  for (long i = 0; i < n; i++) sum += now_ns(); // warm-up, untimed
  long long t0 = now_ns();
  for (long i = 0; i < n; i++) sum += now_ns(); // summed so the calls cannot be dropped
  long long t1 = now_ns();
  if (sum == 0) return 1;
  printf("ns_per_call %.1f\n", (double)(t1 - t0) / (double)n);
  return 0;
}
