/*
 * utimensat(2) for Node, nanosecond exact (Node's fs.utimes takes seconds as a double and
 * libuv keeps microseconds). One function:
 *
 *   utimensat(path: string, atimeSec: bigint, atimeNsec: number,
 *             mtimeSec: bigint, mtimeNsec: number, followSymlinks: boolean): void
 *
 * A nanosecond field equal to the exported UTIME_NOW / UTIME_OMIT means "now" / "leave as is"
 * (the seconds are then ignored). A nanosecond field outside 0..999999999 is EINVAL, seconds
 * outside time_t EOVERFLOW. On failure it throws an Error with `errno` (positive) and
 * `syscall: 'utimensat'`; the caller maps errno to a name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <node_api.h>

#define CHECK(env, call)                                      \
  do {                                                        \
    if ((call) != napi_ok) {                                  \
      napi_throw_error((env), NULL, "utimens: bad argument"); \
      return NULL;                                            \
    }                                                         \
  } while (0)

static int read_time(napi_env env, napi_value sec_v, napi_value nsec_v, struct timespec *ts) {
  int64_t sec = 0;
  bool lossless = false;
  int64_t nsec = 0;
  if (napi_get_value_int64(env, nsec_v, &nsec) != napi_ok) return -1;
  if (nsec == UTIME_NOW || nsec == UTIME_OMIT) {
    ts->tv_sec = 0;
    ts->tv_nsec = (long)nsec;
    return 0;
  }
  if (nsec < 0 || nsec > 999999999) return -3;
  if (napi_get_value_bigint_int64(env, sec_v, &sec, &lossless) != napi_ok) return -1;
  if (!lossless || (int64_t)(time_t)sec != sec) return -2;
  ts->tv_sec = (time_t)sec;
  ts->tv_nsec = (long)nsec;
  return 0;
}

static napi_value throw_errno(napi_env env, int err, const char *path) {
  napi_value msg, error, num, sys, p;
  char buf[256];
  const char *text = strerror(err);
  strncpy(buf, "utimensat: ", sizeof buf - 1);
  buf[sizeof buf - 1] = '\0';
  strncat(buf, text, sizeof buf - strlen(buf) - 1);
  if (napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &msg) != napi_ok) return NULL;
  if (napi_create_error(env, NULL, msg, &error) != napi_ok) return NULL;
  napi_create_int32(env, err, &num);
  napi_set_named_property(env, error, "errno", num);
  napi_create_string_utf8(env, "utimensat", NAPI_AUTO_LENGTH, &sys);
  napi_set_named_property(env, error, "syscall", sys);
  napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &p);
  napi_set_named_property(env, error, "path", p);
  napi_throw(env, error);
  return NULL;
}

static napi_value Utimensat(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6) {
    napi_throw_type_error(env, NULL, "utimensat(path, atimeSec, atimeNsec, mtimeSec, mtimeNsec, follow)");
    return NULL;
  }
  size_t len = 0;
  CHECK(env, napi_get_value_string_utf8(env, argv[0], NULL, 0, &len));
  char *path = malloc(len + 1);
  if (path == NULL) {
    napi_throw_error(env, NULL, "utimens: out of memory");
    return NULL;
  }
  if (napi_get_value_string_utf8(env, argv[0], path, len + 1, &len) != napi_ok || strlen(path) != len) {
    free(path);
    napi_throw_type_error(env, NULL, "utimens: path must be a string without NUL");
    return NULL;
  }
  struct timespec times[2];
  int ra = read_time(env, argv[1], argv[2], &times[0]);
  int rm = read_time(env, argv[3], argv[4], &times[1]);
  bool follow = true;
  if (ra == -1 || rm == -1 || napi_get_value_bool(env, argv[5], &follow) != napi_ok) {
    free(path);
    napi_throw_type_error(env, NULL, "utimens: atimeSec/mtimeSec bigint, nsec number, follow boolean");
    return NULL;
  }
  if (ra < -1 || rm < -1) {
    napi_value r = throw_errno(env, (ra == -3 || rm == -3) ? EINVAL : EOVERFLOW, path);
    free(path);
    return r;
  }
  if (utimensat(AT_FDCWD, path, times, follow ? 0 : AT_SYMLINK_NOFOLLOW) != 0) {
    napi_value r = throw_errno(env, errno, path);
    free(path);
    return r;
  }
  free(path);
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn, now, omit;
  if (napi_create_function(env, "utimensat", NAPI_AUTO_LENGTH, Utimensat, NULL, &fn) != napi_ok) return NULL;
  napi_set_named_property(env, exports, "utimensat", fn);
  napi_create_int64(env, UTIME_NOW, &now);
  napi_set_named_property(env, exports, "UTIME_NOW", now);
  napi_create_int64(env, UTIME_OMIT, &omit);
  napi_set_named_property(env, exports, "UTIME_OMIT", omit);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
