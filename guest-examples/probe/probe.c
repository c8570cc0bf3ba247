/* probe: performs each operation named on its command line, in order, and prints one
 * line per operation: "OP:ARG ok" or "OP:ARG ENAME" (the errno's name). It keeps going
 * after a failure, so tests and the parity fixtures can drive many checks in one run.
 * Exit 0 unless an argument is malformed (exit 2, usage on stderr).
 *
 * `probe --exit OP:ARG` performs that one operation, prints nothing (for a guest without
 * console.write) and reports the outcome as its exit code, Linux errno numbers:
 *   0 ok   1 EPERM   2 ENOENT   13 EACCES   17 EEXIST   20 ENOTDIR   21 EISDIR   22 EINVAL
 *   39 ENOTEMPTY   40 ELOOP   76 ENOTCAPABLE   100 unset (env)   101 any other errno
 *   125 malformed operation
 *
 *   read:PATH      open read-only and read to the end
 *   write:PATH     create/truncate and write "probe\n"
 *   append:PATH    open for append and write "probe\n"
 *   stat:PATH      stat
 *   readdir:PATH   list a directory
 *   mkdir:PATH     mkdir 0755
 *   rmdir:PATH     rmdir
 *   unlink:PATH    unlink
 *   rename:A:B     rename A to B
 *   env:NAME       "ok" when NAME is visible, "unset" when not
 *   time:wall      clock_gettime(CLOCK_REALTIME)
 *   time:mono      clock_gettime(CLOCK_MONOTONIC)
 *
 * A preview1 program: the host's preview1 layer turns each call into gated WASI 0.2. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *errno_name(int e) {
    switch (e) {
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case ENOTCAPABLE: return "ENOTCAPABLE";
    case EROFS: return "EROFS";
    case EXDEV: return "EXDEV";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EIO: return "EIO";
    case ENOSYS: return "ENOSYS";
    case ENOTSUP: return "ENOTSUP";
    case EMFILE: return "EMFILE";
    case ENOSPC: return "ENOSPC";
    case EBUSY: return "EBUSY";
    case ESPIPE: return "ESPIPE";
    case EFAULT: return "EFAULT";
    case EAGAIN: return "EAGAIN";
    case EINTR: return "EINTR";
    case EFBIG: return "EFBIG";
    case ENOMEM: return "ENOMEM";
    case ENODEV: return "ENODEV";
    case ENXIO: return "ENXIO";
    default: {
        static char buf[32];
        snprintf(buf, sizeof buf, "E%d", e);
        return buf;
    }
    }
}

/* each operation returns 0 or an errno value */
static int op_read(const char *p) {
    int fd = open(p, O_RDONLY);
    if (fd < 0) return errno;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {}
    int e = n < 0 ? errno : 0;
    close(fd);
    return e;
}

static int op_write(const char *p, int flags) {
    int fd = open(p, O_WRONLY | O_CREAT | flags, 0644);
    if (fd < 0) return errno;
    int e = write(fd, "probe\n", 6) == 6 ? 0 : errno;
    if (close(fd) != 0 && !e) e = errno;
    return e;
}

static int op_stat(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 ? 0 : errno;
}

static int op_readdir(const char *p) {
    DIR *d = opendir(p);
    if (!d) return errno;
    errno = 0;
    while (readdir(d)) {}
    int e = errno;
    closedir(d);
    return e;
}

static int op_time(clockid_t id) {
    struct timespec ts;
    return clock_gettime(id, &ts) == 0 ? 0 : errno;
}

/* the --exit table above */
static int exit_code(int e) {
    switch (e) {
    case 0: return 0;
    case EPERM: return 1;
    case ENOENT: return 2;
    case EACCES: return 13;
    case EEXIST: return 17;
    case ENOTDIR: return 20;
    case EISDIR: return 21;
    case EINVAL: return 22;
    case ENOTEMPTY: return 39;
    case ELOOP: return 40;
    case ENOTCAPABLE: return 76;
    default: return 101;
    }
}

static int usage(const char *arg) {
    fprintf(stderr, "probe: bad operation '%s'\nusage: probe OP:ARG...  (read write append stat readdir mkdir rmdir unlink rename:A:B env time:wall|mono)\n", arg);
    return 2;
}

int main(int argc, char **argv) {
    int exit_mode = argc > 1 && strcmp(argv[1], "--exit") == 0;
    int first = exit_mode ? 2 : 1;
    if (exit_mode && argc != 3) return 125;
    /* check every argument first: a typo must not run half the operations */
    for (int i = first; i < argc; i++) {
        const char *a = argv[i], *c = strchr(a, ':');
        if (!c || c[1] == '\0') return exit_mode ? 125 : usage(a);
        size_t k = (size_t)(c - a);
        const char *known[] = {"read", "write", "append", "stat", "readdir", "mkdir", "rmdir", "unlink", "rename", "env", "time"};
        int ok = 0;
        for (size_t j = 0; j < sizeof known / sizeof *known; j++)
            if (strlen(known[j]) == k && strncmp(a, known[j], k) == 0) ok = 1;
        if (!ok) return exit_mode ? 125 : usage(a);
        if (k == 6 && strncmp(a, "rename", 6) == 0) {
            const char *second = strchr(c + 1, ':');
            if (!second || second == c + 1 || second[1] == '\0') return exit_mode ? 125 : usage(a);
        }
        if (k == 4 && strncmp(a, "time", 4) == 0 && strcmp(c + 1, "wall") != 0 && strcmp(c + 1, "mono") != 0) return exit_mode ? 125 : usage(a);
    }
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        const char *arg = strchr(a, ':') + 1;
        size_t k = (size_t)(arg - 1 - a);
        int e = 0;
        const char *result = NULL;
#define IS(name) (k == strlen(name) && strncmp(a, name, k) == 0)
        if (IS("read")) e = op_read(arg);
        else if (IS("write")) e = op_write(arg, O_TRUNC);
        else if (IS("append")) e = op_write(arg, O_APPEND);
        else if (IS("stat")) e = op_stat(arg);
        else if (IS("readdir")) e = op_readdir(arg);
        else if (IS("mkdir")) e = mkdir(arg, 0755) == 0 ? 0 : errno;
        else if (IS("rmdir")) e = rmdir(arg) == 0 ? 0 : errno;
        else if (IS("unlink")) e = unlink(arg) == 0 ? 0 : errno;
        else if (IS("rename")) {
            char from[4096];
            const char *sep = strchr(arg, ':');
            size_t n = (size_t)(sep - arg);
            if (n >= sizeof from) e = ENAMETOOLONG;
            else {
                memcpy(from, arg, n);
                from[n] = '\0';
                e = rename(from, sep + 1) == 0 ? 0 : errno;
            }
        } else if (IS("env")) result = getenv(arg) ? "ok" : "unset";
        else if (IS("time")) e = op_time(strcmp(arg, "wall") == 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC);
#undef IS
        if (exit_mode) return result ? (strcmp(result, "ok") == 0 ? 0 : 100) : exit_code(e);
        printf("%s %s\n", a, result ? result : e ? errno_name(e) : "ok");
        fflush(stdout);
    }
    return 0;
}
