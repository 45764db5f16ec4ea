#!/usr/bin/env node
// Run generated state machines in npm aws-local-stepfunctions (an ASL interpreter written to AWS's
// specification, independent of moto's) with scripted task results, and print what each run did as JSON.
//
//   node tools/asl/run.js < runs.json
//
// stdin:  {"runs": [{"id": "...", "definition": {...}, "input": {...}, "script": SCRIPT, "validate": true,
//                    "retriableError": "<the error name the functions report a retriable failure under>"}, ...]}
// stdout: {"interpreter": "aws-local-stepfunctions@<version>",
//          "runs": {"<id>": {"status": "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "RUNAWAY", "output": ..., "error": "...",
//                            "cause": "...", "entered": [{"name": "<state>", "input": {...}}, ...],
//                            "calls": {"<node> <apply|delete>": N},
//                            "throttled": {"<node>": N}}}}
//
// Every Task is overridden by its state name (taskResourceLocalHandlers), and every Wait and Retry interval
// takes 0 ms (waitTimeOverrides, retryIntervalOverrides), so a run takes milliseconds whatever the definition
// says.
//
// SCRIPT, the scripted behaviour of the functions (tests/validators/scenarios.py implements the same for
// moto's interpreter; keep the two alike):
//   nodes:    {"<node id>": {"polls": N, "pending": P, "error": "<message>", "superseded": true}}
//             The reconcile function, per node and phase (apply vs delete), fails its first P calls with
//             DependencyPending, the next N with NodeNotReady, then answers SYNCED (DELETED); "error" fails
//             with NodeFailed and that message; "superseded" with NodeSuperseded; "throttle": T fails the
//             node's first T calls with the run's retriableError (not counted as calls); "answer": {...} is
//             answered as it is. A function error is named by its type, with Lambda's error document as cause.
//   refresh:  K: the finalize function (mode reconcile) fails with StatusPending, and so do the first K-1
//             status refreshes.
//   finalize: {"<mode>": {...}}: the finalize function's answer in that mode, as it is.
"use strict";

// aws-local-stepfunctions 3 is built for Node 22 (engines); Node 20 lacks Promise.withResolvers, which its
// Task state uses for the task timeout. This polyfill is the only gap on Node 20.
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

const fs = require("fs");
const Module = require("module");
const path = require("path");

// The library, loaded with a handle on the internals this runner fixes (the bundle exports StateMachine only).
function loadInterpreter() {
  const entry = require.resolve("aws-local-stepfunctions");
  const version = JSON.parse(fs.readFileSync(path.join(path.dirname(entry), "..", "package.json"), "utf8")).version;
  const source = fs.readFileSync(entry, "utf8") +
    "\nmodule.exports.__internals = { FailStateAction, FailStateError, StatesRuntimeError, processPayloadTemplate };\n";
  const bundle = new Module(entry, module);
  bundle.filename = entry;
  bundle.paths = Module._nodeModulePaths(path.dirname(entry));
  bundle._compile(source, entry);
  const { StateMachine, __internals: internals } = bundle.exports;
  const { FailStateAction, FailStateError, StatesRuntimeError, processPayloadTemplate } = internals;
  // AWS: a Fail state's ErrorPath and CausePath take a reference path *or an intrinsic function* returning a
  // string (States.Format, States.JsonToString, States.ArrayGetItem, ...). aws-local-stepfunctions 3.0.0
  // evaluates them as JSONPath only and fails the run with States.Runtime ("does not point to a value") on
  // an intrinsic. Evaluate them as a payload template field does, which covers both.
  FailStateAction.prototype.execute = async function execute(input, context) {
    const state = this.stateDefinition;
    const resolve = (field, fixed) => {
      if (state[field] === undefined) return fixed;
      const value = processPayloadTemplate({ "value.$": state[field] }, input, context).value;
      if (typeof value !== "string") {
        throw new StatesRuntimeError(`${field} '${state[field]}' evaluated to ${JSON.stringify(value)}, not a string`);
      }
      return value;
    };
    throw new FailStateError(resolve("ErrorPath", state.Error), resolve("CausePath", state.Cause));
  };
  // The states entered, recorded as each is entered. The documented eventLogs generator is no record of them
  // for nested scopes: a Parallel branch's or Map iteration's events are forwarded to the root log
  // asynchronously, so they arrive after their parent moved on, and those still queued when the root
  // execution ends are dropped (a 2-level Parallel lost most of its states). Every branch and iteration runs
  // as a StateMachine given the root's run options, so a callback there (`recordEntered`) sees them all.
  const execute = StateMachine.prototype.execute;
  StateMachine.prototype.execute = function recordingExecute(input, options, cleanupFn) {
    const record = options.runOptions && options.runOptions.recordEntered;
    if (record) {
      const logger = options.eventLogger;
      const dispatch = logger.dispatchStateEnteredEvent;
      logger.dispatchStateEnteredEvent = function dispatchStateEnteredEvent(stateName, stateType, stateInput) {
        record(stateName, stateInput);
        return dispatch.call(this, stateName, stateType, stateInput);
      };
    }
    return execute.call(this, input, options, cleanupFn);
  };
  return { StateMachine, version };
}

const { StateMachine, version: interpreterVersion } = loadInterpreter();

const MAX_STATES = 5000; // states entered before a run counts as looping for ever
const LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke";

function* allStates(scope) {
  for (const [name, state] of Object.entries(scope.States || {})) {
    yield [name, state];
    for (const branch of state.Branches || []) yield* allStates(branch);
    const processor = state.ItemProcessor || state.Iterator;
    if (processor) yield* allStates(processor);
  }
}

// A function's uncaught error as Step Functions reports it for lambda:invoke: the error is the errorType, the
// cause Lambda's error document.
function functionError(type, message) {
  const error = new Error(JSON.stringify({ errorMessage: message, errorType: type, stackTrace: [] }));
  error.name = type;
  return error;
}

class Script {
  constructor(script, input, retriableError) {
    this.retriableError = retriableError;
    this.nodes = script.nodes || {};
    this.refresh = script.refresh || 0;
    this.finalizeAnswers = script.finalize || {};
    this.calls = new Map(); // "<node> <phase>" -> calls so far
    this.throttled = new Map(); // "<node>" -> calls that failed as retriable
    this.refreshed = 0;
  }

  reconcile(payload) {
    const { node, mode } = payload;
    const phase = mode === "delete" ? "delete" : "apply";
    const key = `${node} ${phase}`;
    const behaviour = this.nodes[node] || {};
    const throttled = this.throttled.get(node) || 0;
    if (throttled < (behaviour.throttle || 0)) {
      this.throttled.set(node, throttled + 1);
      if (!this.retriableError) throw new Error("a throttle script needs the run's retriableError");
      throw functionError(this.retriableError, "Rate exceeded");
    }
    const count = this.calls.get(key) || 0;
    this.calls.set(key, count + 1);
    if (behaviour.answer !== undefined) return behaviour.answer; // as scripted, even if malformed
    const pending = behaviour.pending || 0;
    if (count < pending) throw functionError("DependencyReady", `what the node waited for is done (${count + 1})`);
    if (behaviour.superseded) throw functionError("NodeSuperseded", "generation superseded");
    if (behaviour.error !== undefined) throw functionError("NodeFailed", behaviour.error);
    if (count - pending < (behaviour.polls || 0)) {
      throw functionError("NodeNotReady", `${node} not ready (${count - pending + 1})`);
    }
    // the shape of the reconcile function's answer (kroless.contract.NodeResult)
    return { node, state: phase === "delete" ? "DELETED" : "SYNCED", reason: "", message: "" };
  }

  finalize(payload) {
    if (this.finalizeAnswers[payload.mode] !== undefined) return this.finalizeAnswers[payload.mode];
    if (payload.mode === "refresh") this.refreshed += 1;
    if ((payload.mode === "reconcile" && this.refresh > 0) || (payload.mode === "refresh" && this.refreshed < this.refresh)) {
      throw functionError("StatusPending", "status fields waiting on data: status.url");
    }
    return { state: payload.mode === "reconcile" || payload.mode === "refresh" ? "ACTIVE" : payload.mode };
  }
}

function overrides(definition, script, input) {
  const tasks = {};
  const waits = {};
  const retries = {};
  for (const [name, state] of allStates(definition)) {
    if (state.Type === "Wait") waits[name] = 0;
    if (state.Retry) retries[name] = 0;
    if (state.Type !== "Task") continue;
    // a callback task (.waitForTaskToken): the handler's answer is what SendTaskSuccess would send, its error
    // what SendTaskFailure would (the error name, and the error document as the cause)
    if (state.Resource === LAMBDA_INVOKE || state.Resource === `${LAMBDA_INVOKE}.waitForTaskToken`) {
      tasks[name] = async (params) => {
        const fn = params.FunctionName;
        const payload = params.Payload;
        const result = /reconcile/.test(fn) ? script.reconcile(payload) : /finalize/.test(fn) ? script.finalize(payload)
          : null;
        if (result === null) throw new Error(`no scripted function ${fn}`);
        return { ExecutedVersion: "$LATEST", Payload: result, StatusCode: 200 };
      };
    } else {
      throw new Error(`state ${name}: no scripted resource ${state.Resource}`);
    }
  }
  return { taskResourceLocalHandlers: tasks, waitTimeOverrides: waits, retryIntervalOverrides: retries };
}

async function runOne(run) {
  const script = new Script(run.script || {}, run.input, run.retriableError);
  // "validate": false skips the check by the asl-validator version aws-local-stepfunctions bundles (slow on
  // big definitions; validate.js checks them all with the pinned one).
  const validationOptions = run.validate === false ? { noValidate: true } : { checkArn: true, checkPaths: true };
  const machine = new StateMachine(run.definition, { validationOptions });
  const entered = [];
  let runaway = false;
  let execution = null;
  const recordEntered = (name, input) => {
    entered.push({ name, input: JSON.parse(JSON.stringify(input)) });
    // with waits at 0 ms a loop that never ends would spin until TimeoutSeconds
    if (entered.length > MAX_STATES && !runaway) {
      runaway = true;
      setImmediate(() => execution.abort());
    }
  };
  // this interpreter has no task tokens of its own: a mocked context object gives $$.Task.Token a value
  const context = { Task: { Token: "local-task-token" } };
  execution = machine.run(run.input, { overrides: overrides(run.definition, script, run.input), recordEntered, context });
  const report = { entered };
  const counters = () => ({
    calls: Object.fromEntries(script.calls),
    throttled: Object.fromEntries(script.throttled),
  });
  try {
    report.output = await execution.result;
    report.status = "SUCCEEDED";
  } catch (err) {
    const cause = err.cause || err;
    report.status = runaway ? "RUNAWAY" : err.name === "ExecutionTimeoutError" ? "TIMED_OUT" : "FAILED";
    report.error = cause.name;
    report.cause = cause.message;
  }
  Object.assign(report, counters());
  return report;
}

async function main() {
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  const { runs } = JSON.parse(text);
  const results = {};
  for (const run of runs) {
    try {
      results[run.id] = await runOne(run);
    } catch (err) {
      results[run.id] = { status: "RUNNER_ERROR", error: err.name, cause: String(err.stack || err), entered: [] };
    }
  }
  process.stdout.write(JSON.stringify({ interpreter: `aws-local-stepfunctions@${interpreterVersion}`, runs: results }) + "\n");
}

main().catch((err) => {
  process.stderr.write(String(err.stack || err) + "\n");
  process.exitCode = 2;
});
