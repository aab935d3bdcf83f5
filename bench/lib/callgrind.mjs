// How the bench counts instructions under valgrind (callgrind), shared by bench/instructions.mjs and
// bench/chunk-observation.mjs so that their counts stay comparable.

/**
 * valgrind's arguments for one Node process: the same hash seeds in every run and V8's compilation
 * and marking on the main thread, at points the program's own progress decides. With V8's background
 * threads, when optimised code was installed and major collections ran depended on thread timing, and
 * two runs of the same 10,000 calls differed by up to a billion instructions (ours on openai 6
 * counted between 643 k and 1,000 k per call). With this, two runs differ by about 0.2 %.
 */
export function callgrindArgs({ node, nodeFlags = [], outFile = '/dev/null' }, nodeArgs) {
  return [
    '--tool=callgrind',
    `--callgrind-out-file=${outFile}`,
    // V8 writes and rewrites machine code: valgrind must see every change to it.
    '--smc-check=all-non-file',
    node,
    '--hash-seed=1',
    '--random-seed=1',
    '--single-threaded',
    ...nodeFlags,
    ...nodeArgs,
  ];
}

/** The instructions valgrind reports on stderr (every thread), or undefined when it reported none. */
export function instructionsOf(stderr) {
  const refs = stderr.match(/I\s+refs:\s+([\d,]+)/);
  return refs ? Number(refs[1].replaceAll(',', '')) : undefined;
}

/** `--node-flags=F1,F2`, taken whole: a Node flag may carry an `=` of its own. */
export function nodeFlagsArg(argv) {
  return (argv.find((a) => a.startsWith('--node-flags='))?.slice('--node-flags='.length) ?? '').split(',').filter(Boolean);
}
