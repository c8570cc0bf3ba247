/* cp: copies SOURCE to DEST, like cp(1) for one regular file. A WASI preview1
 * program: fs.read on the source, fs.write on the destination. Errors are
 * reported with the errno text and exit 1; bad usage exits 2. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: cp SOURCE DEST\n"); return 2; }
    int in = open(argv[1], O_RDONLY);
    if (in < 0) { fprintf(stderr, "cp: cannot open '%s': %s\n", argv[1], strerror(errno)); return 1; }
    int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) { fprintf(stderr, "cp: cannot create '%s': %s\n", argv[2], strerror(errno)); close(in); return 1; }
    char buf[16384];
    long long total = 0;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0) { fprintf(stderr, "cp: reading '%s': %s\n", argv[1], strerror(errno)); return 1; }
        if (n == 0) break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0) { fprintf(stderr, "cp: writing '%s': %s\n", argv[2], strerror(errno)); return 1; }
            off += w;
        }
        total += n;
    }
    if (close(out) != 0) { fprintf(stderr, "cp: closing '%s': %s\n", argv[2], strerror(errno)); return 1; }
    close(in);
    printf("cp: copied %lld bytes from %s to %s\n", total, argv[1], argv[2]);
    return 0;
}
