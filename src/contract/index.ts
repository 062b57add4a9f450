/**
 * The API contract suite: checks of Cloudflare's documented behaviour that run against the local emulator (in
 * `npm test`) or, with a token, against a real account (`wfp-assets contract`; README, "Checking the emulator
 * against your account").
 */
export { CONTRACT_CALL_BUDGET, CLEANUP_RESERVE, CallBudget, CallBudgetError } from "./budget.js";
export { CONTRACT_CHECKS } from "./checks/index.js";
export type { CheckContext, ContractCheck } from "./context.js";
export { RecordDirError } from "./record.js";
export { formatResult, formatSummary, passed } from "./report.js";
export { CLEANUP_ID, type CheckResult, type ContractReport, type ContractTarget, type RunOptions, runContract } from "./runner.js";
export { ContractTargetError, EMULATOR_ACCOUNT, accountTarget } from "./target.js";
