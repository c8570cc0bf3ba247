/* wc: counts lines, words and bytes of each file named on the command line, or of
 * stdin when there are none, like POSIX wc. A WASI preview1 program: it needs fs.read
 * for the files it opens, console.write to print, nothing for stdin. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

struct counts { unsigned long long lines, words, bytes; };

static int count(FILE *f, struct counts *c) {
    unsigned char buf[8192];
    int in_word = 0;
    size_t n;
    memset(c, 0, sizeof *c);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        c->bytes += n;
        for (size_t i = 0; i < n; i++) {
            if (buf[i] == '\n') c->lines++;
            if (isspace(buf[i])) in_word = 0;
            else if (!in_word) { in_word = 1; c->words++; }
        }
    }
    return ferror(f) ? -1 : 0;
}

static void print(const struct counts *c, const char *name) {
    printf("%7llu %7llu %7llu%s%s\n", c->lines, c->words, c->bytes, name ? " " : "", name ? name : "");
}

int main(int argc, char **argv) {
    struct counts c, total = {0, 0, 0};
    int status = 0;
    if (argc < 2) {
        if (count(stdin, &c) != 0) { fprintf(stderr, "wc: stdin: %s\n", strerror(errno)); return 1; }
        print(&c, NULL);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) { fprintf(stderr, "wc: %s: %s\n", argv[i], strerror(errno)); status = 1; continue; }
        if (count(f, &c) != 0) { fprintf(stderr, "wc: %s: %s\n", argv[i], strerror(errno)); status = 1; }
        else {
            print(&c, argv[i]);
            total.lines += c.lines; total.words += c.words; total.bytes += c.bytes;
        }
        fclose(f);
    }
    if (argc > 2) print(&total, "total");
    return status;
}
