/* The start-up suite's preview1 hello: built with clang-16 --target=wasm32-wasi (wasi-libc). */
#include <stdio.h>

int main(void) {
  puts("hello from a preview1 module");
  return 0;
}
