{
  "targets": [
    {
      "target_name": "fsat",
      "sources": ["src/fsat.c"],
      "cflags": ["-Wall", "-Wextra", "-Werror", "-std=c11"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
