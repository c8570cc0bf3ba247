/*
 * Descriptor-relative file system calls for molt-wasm's Node backend (host/node/fs-native.ts).
 *
 * Node has no openat(2): without this addon the backend reaches a name beneath a held
 * directory descriptor N as "/proc/self/fd/N/name", which costs a /proc lookup per call.
 * Here the same thing is one openat(2) (or fstatat(2)) on N itself.
 *
 * A hostile guest chooses the names and drives every call, so:
 * - a name is ONE component: non-empty, no '/', not "." or "..", no NUL (an embedded NUL is
 *   EINVAL, never a truncated name), at most PATH_MAX bytes of UTF-8. The walk over paths,
 *   ".." and symlinks is done above this layer (host/gate/fs/resolve.ts), beneath held
 *   descriptors; nothing here ever resolves more than the one name it is given;
 * - a final symlink is never followed: O_NOFOLLOW on every open, AT_SYMLINK_NOFOLLOW on stat
 *   (a symlink opened is ELOOP, or ENOTDIR with O_DIRECTORY; the walk reads it and resolves
 *   it inside the sandbox);
 * - the directory is a descriptor number >= 0: AT_FDCWD (or any negative number) is EBADF,
 *   so nothing is ever resolved from the process's working directory;
 * - every descriptor is opened O_CLOEXEC and O_NOCTTY; open flags outside the set the backend
 *   uses are EINVAL, so a caller bug cannot pass O_CREAT|O_TMPFILE or similar through;
 * - errors are returned as negative errno numbers (no exception objects on the hot path);
 *   argument types that only a host bug could get wrong throw a TypeError.
 *
 * Exports (all synchronous; the fd arguments are int32 >= 0):
 *   openat(dirfd, name, flags, mode) -> fd, or -errno. No fstat(2) of the new descriptor:
 *       the caller asks its type when it needs it, and a guest that opens, reads and closes
 *       a file never does (on these machines every system call is about 2 us)
 *   fstatat(dirfd, name, out: BigInt64Array(11)) -> 0 or -errno (lstat of the name)
 *   fstat(fd, out: BigInt64Array(11)) -> 0 or -errno
 *       out: dev, ino, mode, nlink, size, atime s, atime ns, mtime s, mtime ns, ctime s, ctime ns
 *   pread(fd, into: Uint8Array, position: bigint) -> bytes read (0 at end of file) or -errno
 *   close(fd) -> 0 or -errno; only a descriptor this addon opened in this thread's
 *       environment (else EBADF): a descriptor opened by node:fs is closed by node:fs
 *
 * Every descriptor it opens is recorded per Node environment (the main thread, each worker)
 * until closed, and whatever is still open when that environment is torn down is closed
 * then: a guest in a worker that is terminated on timeout leaves no descriptor behind, as
 * Node does for the descriptors node:fs opened in it (test/adversarial/descriptor-leak.test.ts).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <node_api.h>

#ifndef O_PATH
#define O_PATH 0
#endif

/* macOS names the timespec fields differently (the JavaScript side uses the addon on Linux only). */
#ifdef __APPLE__
#define st_atim st_atimespec
#define st_mtim st_mtimespec
#define st_ctim st_ctimespec
#endif

/* The open flags the backend may ask for; O_NOFOLLOW, O_CLOEXEC and O_NOCTTY are always added. */
#define ALLOWED_FLAGS                                                                          \
  (O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_DIRECTORY | O_NONBLOCK | O_SYNC | O_DSYNC |      \
   O_NOFOLLOW | O_PATH)

#define STAT_SLOTS 11

/* The descriptors this addon opened in one environment and has not closed: a bitmap by number. */
typedef struct {
  unsigned char *bits;
  size_t nbytes;
} fd_set_t;

static fd_set_t *env_fds(napi_env env) {
  void *data = NULL;
  if (napi_get_instance_data(env, &data) != napi_ok) return NULL;
  return (fd_set_t *)data;
}

static bool fds_has(const fd_set_t *s, int fd) {
  return s != NULL && (size_t)fd / 8 < s->nbytes && (s->bits[fd / 8] & (1u << (fd % 8))) != 0;
}

/* Records fd; false when the bitmap cannot grow (the caller closes fd and reports ENOMEM). */
static bool fds_add(fd_set_t *s, int fd) {
  if (s == NULL) return false;
  size_t need = (size_t)fd / 8 + 1;
  if (need > s->nbytes) {
    size_t n = s->nbytes == 0 ? 128 : s->nbytes;
    while (n < need) n *= 2;
    unsigned char *bits = realloc(s->bits, n);
    if (bits == NULL) return false;
    memset(bits + s->nbytes, 0, n - s->nbytes);
    s->bits = bits;
    s->nbytes = n;
  }
  s->bits[fd / 8] |= (unsigned char)(1u << (fd % 8));
  return true;
}

static void fds_remove(fd_set_t *s, int fd) {
  if (fds_has(s, fd)) s->bits[fd / 8] &= (unsigned char)~(1u << (fd % 8));
}

/* The environment is going away (a worker terminated, or the process exiting): close what is left. */
static void fds_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  fd_set_t *s = (fd_set_t *)data;
  for (size_t i = 0; i < s->nbytes; i++) {
    if (s->bits[i] == 0) continue;
    for (int b = 0; b < 8; b++) {
      if (s->bits[i] & (1u << b)) close((int)(i * 8 + (size_t)b));
    }
  }
  free(s->bits);
  free(s);
}

static napi_value type_error(napi_env env, const char *what) {
  napi_throw_type_error(env, NULL, what);
  return NULL;
}

static napi_value int_result(napi_env env, int64_t v) {
  napi_value out;
  /* An int32 is a small integer to V8 (no heap number): every result here but fd * 8 of a huge fd. */
  napi_status st = (v >= INT32_MIN && v <= INT32_MAX) ? napi_create_int32(env, (int32_t)v, &out) : napi_create_int64(env, v, &out);
  if (st != napi_ok) return NULL;
  return out;
}

/* A descriptor argument: a JS number that is an integer in 0..INT_MAX. -1 when it is not. */
static int get_fd(napi_env env, napi_value v) {
  napi_valuetype t;
  double d;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return -1;
  if (napi_get_value_double(env, v, &d) != napi_ok) return -1;
  if (!(d >= 0 && d <= INT_MAX) || d != (double)(int)d) return -1;
  return (int)d;
}

/*
 * Copies the name argument into buf (PATH_MAX + 1 bytes). Returns 0, or a negative errno the
 * guest may see (EINVAL: empty, NUL, '/', "." or ".."; ENAMETOOLONG), or -EFAULT when the
 * argument is not a string (a host bug: the caller throws).
 */
static int get_name(napi_env env, napi_value v, char *buf) {
  napi_valuetype t;
  size_t len = 0;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) return -EFAULT;
  /* The length first: napi_get_value_string_utf8 would silently truncate a longer string. */
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return -EFAULT;
  if (len >= PATH_MAX) return -ENAMETOOLONG;
  size_t copied = 0;
  if (napi_get_value_string_utf8(env, v, buf, PATH_MAX + 1, &copied) != napi_ok) return -EFAULT;
  if (copied != len) return -EINVAL;
  buf[copied] = '\0';
  if (len == 0) return -EINVAL;
  /* An embedded NUL would end the name early: the OS must never see a shorter name. */
  if (memchr(buf, '\0', len) != NULL) return -EINVAL;
  if (memchr(buf, '/', len) != NULL) return -EINVAL;
  if (strcmp(buf, ".") == 0 || strcmp(buf, "..") == 0) return -EINVAL;
  return 0;
}

/*
 * openat's checks and the open(2): *out_fd is the new descriptor (recorded for this
 * environment) when it returns 0; a negative errno for the guest; or 1 when a TypeError was
 * thrown (a host bug).
 */
static int open_checked(napi_env env, napi_callback_info info, int *out_fd) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4) {
    type_error(env, "fsat.openat(dirfd, name, flags, mode)");
    return 1;
  }
  int dirfd = get_fd(env, argv[0]);
  int32_t flags = 0, mode = 0;
  if (napi_get_value_int32(env, argv[2], &flags) != napi_ok || napi_get_value_int32(env, argv[3], &mode) != napi_ok) {
    type_error(env, "fsat.openat: flags and mode must be numbers");
    return 1;
  }
  char name[PATH_MAX + 1];
  int r = get_name(env, argv[1], name);
  if (r == -EFAULT) {
    type_error(env, "fsat.openat: name must be a string");
    return 1;
  }
  if (r != 0) return r;
  if (dirfd < 0) return -EBADF;
  if ((flags & ~ALLOWED_FLAGS) != 0 || (flags & O_ACCMODE) == O_ACCMODE) return -EINVAL;
  /* O_PATH takes nothing but O_DIRECTORY (a walk step). */
  if (O_PATH != 0 && (flags & O_PATH) != 0 && (flags & ~(O_PATH | O_DIRECTORY | O_NOFOLLOW)) != 0) return -EINVAL;
  if (mode < 0 || mode > 07777) return -EINVAL;
  int fd;
  do {
    fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, (mode_t)mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return -errno;
  if (!fds_add(env_fds(env), fd)) {
    close(fd);
    return -ENOMEM;
  }
  *out_fd = fd;
  return 0;
}

static napi_value Openat(napi_env env, napi_callback_info info) {
  int fd = -1;
  int r = open_checked(env, info, &fd);
  if (r == 1) return NULL;
  return int_result(env, r != 0 ? r : fd);
}

/* The stat output array: a BigInt64Array of at least STAT_SLOTS elements, or NULL. */
static int64_t *get_stat_out(napi_env env, napi_value v) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return NULL;
  napi_typedarray_type t;
  size_t length = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, v, &t, &length, &data, NULL, NULL) != napi_ok) return NULL;
  if (t != napi_bigint64_array || length < STAT_SLOTS || data == NULL) return NULL;
  return (int64_t *)data;
}

static void fill_stat(const struct stat *st, int64_t *out) {
  out[0] = (int64_t)st->st_dev;
  out[1] = (int64_t)st->st_ino;
  out[2] = (int64_t)st->st_mode;
  out[3] = (int64_t)st->st_nlink;
  out[4] = (int64_t)st->st_size;
  out[5] = (int64_t)st->st_atim.tv_sec;
  out[6] = (int64_t)st->st_atim.tv_nsec;
  out[7] = (int64_t)st->st_mtim.tv_sec;
  out[8] = (int64_t)st->st_mtim.tv_nsec;
  out[9] = (int64_t)st->st_ctim.tv_sec;
  out[10] = (int64_t)st->st_ctim.tv_nsec;
}

static napi_value Fstatat(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) {
    return type_error(env, "fsat.fstatat(dirfd, name, out)");
  }
  int dirfd = get_fd(env, argv[0]);
  int64_t *out = get_stat_out(env, argv[2]);
  if (out == NULL) return type_error(env, "fsat.fstatat: out must be a BigInt64Array(11)");
  char name[PATH_MAX + 1];
  int r = get_name(env, argv[1], name);
  if (r == -EFAULT) return type_error(env, "fsat.fstatat: name must be a string");
  if (r != 0) return int_result(env, r);
  if (dirfd < 0) return int_result(env, -EBADF);
  struct stat st;
  int rc;
  do {
    rc = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return int_result(env, -errno);
  fill_stat(&st, out);
  return int_result(env, 0);
}

static napi_value Fstat(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    return type_error(env, "fsat.fstat(fd, out)");
  }
  int fd = get_fd(env, argv[0]);
  int64_t *out = get_stat_out(env, argv[1]);
  if (out == NULL) return type_error(env, "fsat.fstat: out must be a BigInt64Array(11)");
  if (fd < 0) return int_result(env, -EBADF);
  struct stat st;
  int rc;
  do {
    rc = fstat(fd, &st);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return int_result(env, -errno);
  fill_stat(&st, out);
  return int_result(env, 0);
}

/* At most this many bytes per call (the backend asks for at most 1 MiB). */
#define MAX_READ (1 << 30)

static napi_value Pread(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) {
    return type_error(env, "fsat.pread(fd, into, position)");
  }
  int fd = get_fd(env, argv[0]);
  bool is = false;
  napi_typedarray_type t;
  size_t length = 0;
  void *data = NULL;
  if (napi_is_typedarray(env, argv[1], &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, argv[1], &t, &length, &data, NULL, NULL) != napi_ok || t != napi_uint8_array) {
    return type_error(env, "fsat.pread: into must be a Uint8Array");
  }
  int64_t position = 0;
  bool lossless = false;
  if (napi_get_value_bigint_int64(env, argv[2], &position, &lossless) != napi_ok) {
    return type_error(env, "fsat.pread: position must be a bigint");
  }
  if (fd < 0) return int_result(env, -EBADF);
  if (!lossless || position < 0) return int_result(env, -EINVAL);
  if (length == 0) return int_result(env, 0);
  /* A detached buffer has no data: nothing may be written through a stale pointer. */
  if (data == NULL) return int_result(env, -EFAULT);
  if (length > MAX_READ) length = MAX_READ;
  ssize_t n;
  do {
    n = pread(fd, data, length, (off_t)position);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return int_result(env, -errno);
  return int_result(env, (int64_t)n);
}

static napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    return type_error(env, "fsat.close(fd)");
  }
  int fd = get_fd(env, argv[0]);
  fd_set_t *fds = env_fds(env);
  if (fd < 0 || !fds_has(fds, fd)) return int_result(env, -EBADF);
  fds_remove(fds, fd);
  /* Never retried: on Linux the descriptor is released even when close reports EINTR. */
  if (close(fd) != 0) return int_result(env, -errno);
  return int_result(env, 0);
}

static bool export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn) != napi_ok) return false;
  return napi_set_named_property(env, exports, name, fn) == napi_ok;
}

static napi_value Init(napi_env env, napi_value exports) {
  if (env_fds(env) == NULL) {
    fd_set_t *fds = calloc(1, sizeof *fds);
    if (fds == NULL || napi_set_instance_data(env, fds, fds_finalize, NULL) != napi_ok) {
      free(fds);
      napi_throw_error(env, NULL, "fsat: out of memory");
      return NULL;
    }
  }
  if (!export_fn(env, exports, "openat", Openat) || !export_fn(env, exports, "fstatat", Fstatat) ||
      !export_fn(env, exports, "fstat", Fstat) || !export_fn(env, exports, "pread", Pread) ||
      !export_fn(env, exports, "close", Close)) {
    return NULL;
  }
  napi_value v;
  if (napi_create_int32(env, O_PATH, &v) == napi_ok) napi_set_named_property(env, exports, "O_PATH", v);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
