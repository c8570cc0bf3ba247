{
  "targets": [
    {
      "target_name": "utimens",
      "sources": ["src/utimens.c"],
      "cflags": ["-Wall", "-Wextra", "-std=c11"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
