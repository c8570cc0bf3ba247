// greet: a JavaScript component made by @bytecodealliance/componentize-js (SpiderMonkey in
// StarlingMonkey), built by test/real-guests/programs.test.ts. Greets $GREETING_NAME with the
// current year. The engine itself reads the clocks when it starts, before this code runs.
//
//   greet  ->  "hello, NAME; the year is YYYY" on stdout, exit 0
//              "greet: GREETING_NAME is not set" on stderr, exit 1 (wasi:cli/run returns err)
import { getEnvironment } from 'wasi:cli/environment@0.2.12';

export const run = {
  run() {
    const env = new Map(getEnvironment());
    const name = env.get('GREETING_NAME');
    if (name === undefined) {
      console.error('greet: GREETING_NAME is not set');
      throw new Error('GREETING_NAME is not set');
    }
    console.log(`hello, ${name}; the year is ${new Date().getUTCFullYear()}`);
  },
};
