// The file I/O benchmark guest: N times open a file, read 64 bytes, close it; timed inside
// the guest with the monotonic clock, so process start and compilation are not counted.
// Usage: fs-loop <dir> <iterations>   prints: ns_per_iter <N>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: fs-loop <dir> <iterations>\n");
    return 64;
  }
  char path[512];
  snprintf(path, sizeof path, "%s/f.txt", argv[1]);
  long n = strtol(argv[2], NULL, 10);
  char buf[64];
  long total = 0;
  long long t0 = now_ns();
  for (long i = 0; i < n; i++) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
      perror("open");
      return 1;
    }
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0) {
      perror("read");
      return 1;
    }
    total += r;
    close(fd);
  }
  long long t1 = now_ns();
  if (total != 64 * n) {
    fprintf(stderr, "short reads: %ld of %ld bytes\n", total, 64 * n);
    return 1;
  }
  printf("ns_per_iter %.1f\n", (double)(t1 - t0) / (double)n);
  return 0;
}
