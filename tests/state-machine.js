// Runs a Step Functions state machine definition whose states use JSONata
// against sample inputs, each Task's service call answered from a table
// instead of AWS, with the real `jsonata` package at the version Step
// Functions implements. Reports what each call was given, so a test can check
// what the service would have received (tests/tests/templates.rs).
//
//   node tests/state-machine.js <path of the jsonata package>  < request.json
//
// request: {"definition": {...}, "runs": [{"input": ..., "results": {
//   "<Task Resource>": {"result": ...} | {"error": "Name", "cause": "..."}}}]}
// prints:  {"jsonata": "<version>", "runs": [{"calls": [{"state", "resource",
//   "arguments"}], "output": ..., "ended": "<the last state>"}]}
//
// What Step Functions does differently from plain JSONata, and so here too:
// `$parse` deserializes JSON, `$eval` is not available, an expression that
// yields nothing is an error, and expressions see `$states` but no context
// value (`$`), and a Choice's Condition must be a boolean. Only Task states
// (Next or End, and Catch), Choice and Succeed states are modelled: enough
// for the pipeline's deployment news. Retries are not modelled; an
// error no Catch matches, or any expression error, fails the run.
"use strict";

const path = require("path");

const modulePath = process.argv[2];
let jsonata;
try {
  jsonata = require(modulePath);
} catch (e) {
  if (e.code === "MODULE_NOT_FOUND") {
    console.error(
      `the jsonata package is not installed at ${modulePath}: run \`scripts/setup.sh test\` (or \`make setup\`)`,
    );
    process.exit(3);
  }
  throw e;
}
const version = require(path.join(modulePath, "package.json")).version;

const stepFunctionsBindings = {
  parse: (text) => JSON.parse(text),
  eval: () => {
    throw new Error("$eval is not available in Step Functions (use $parse)");
  },
};

async function evaluate(template, states, where) {
  if (typeof template === "string") {
    if (!(template.startsWith("{%") && template.endsWith("%}"))) return template;
    let value;
    try {
      const expression = jsonata(template.slice(2, -2));
      value = await expression.evaluate(undefined, { ...stepFunctionsBindings, states });
    } catch (e) {
      throw new Error(`${where}: States.QueryEvaluationError: ${e.message}`);
    }
    if (value === undefined) {
      throw new Error(`${where}: States.QueryEvaluationError: the expression yields nothing`);
    }
    // What Step Functions passes on is JSON.
    return JSON.parse(JSON.stringify(value));
  }
  if (Array.isArray(template)) {
    return Promise.all(template.map((item, i) => evaluate(item, states, `${where}[${i}]`)));
  }
  if (template !== null && typeof template === "object") {
    const out = {};
    for (const [key, value] of Object.entries(template)) {
      out[key] = await evaluate(value, states, `${where}.${key}`);
    }
    return out;
  }
  return template;
}

function matches(errorEquals, error) {
  return errorEquals.some(
    (name) =>
      name === error ||
      name === "States.ALL" ||
      (name === "States.TaskFailed" && error !== "States.Timeout"),
  );
}

async function run(definition, input, results) {
  if (definition.QueryLanguage !== "JSONata") throw new Error("the definition's QueryLanguage is not JSONata");
  const calls = [];
  let name = definition.StartAt;
  let stateInput = input;
  for (let steps = 0; steps < 100; steps++) {
    const state = definition.States[name];
    if (!state) throw new Error(`no state ${name}`);
    if (state.Type === "Succeed") {
      const output = await evaluate(state.Output ?? "{% $states.input %}", { input: stateInput }, `${name}.Output`);
      return { calls, output, ended: name };
    }
    if (state.Type === "Choice") {
      let next = state.Default;
      for (const [i, choice] of (state.Choices ?? []).entries()) {
        const holds = await evaluate(choice.Condition, { input: stateInput }, `${name}.Choices[${i}].Condition`);
        if (typeof holds !== "boolean") {
          throw new Error(`${name}.Choices[${i}].Condition: States.QueryEvaluationError: not a boolean: ${JSON.stringify(holds)}`);
        }
        if (holds) {
          next = choice.Next;
          break;
        }
      }
      if (next === undefined) throw new Error(`${name}: States.NoChoiceMatched`);
      stateInput = await evaluate(state.Output ?? "{% $states.input %}", { input: stateInput }, `${name}.Output`);
      name = next;
      continue;
    }
    if (state.Type !== "Task") throw new Error(`${name}: only Task, Choice and Succeed states are modelled`);
    const args = await evaluate(state.Arguments ?? {}, { input: stateInput }, `${name}.Arguments`);
    calls.push({ state: name, resource: state.Resource, arguments: args });
    const answer = results[state.Resource];
    if (!answer) throw new Error(`${name}: no result given for ${state.Resource}`);
    let output;
    let next;
    if ("error" in answer) {
      const errorOutput = { Error: answer.error, Cause: answer.cause ?? "" };
      const catcher = (state.Catch ?? []).find((c) => matches(c.ErrorEquals, answer.error));
      if (!catcher) throw new Error(`${name}: ${answer.error} is not caught`);
      output = await evaluate(
        catcher.Output ?? "{% $states.errorOutput %}",
        { input: stateInput, errorOutput },
        `${name}.Catch.Output`,
      );
      next = catcher.Next;
    } else {
      output = await evaluate(
        state.Output ?? "{% $states.result %}",
        { input: stateInput, result: answer.result },
        `${name}.Output`,
      );
      next = state.End ? undefined : state.Next;
    }
    if (next === undefined) return { calls, output, ended: name };
    name = next;
    stateInput = output;
  }
  throw new Error("more than 100 states: a loop");
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const runs = [];
  for (const { input, results } of request.runs) {
    runs.push(await run(request.definition, input, results));
  }
  process.stdout.write(JSON.stringify({ jsonata: version, runs }));
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
