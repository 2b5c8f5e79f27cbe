/** The `listRules` answer: core's rule list page (src/core/views/rule-list.ts), served as it is; no external document fixes its shape. */
import type { RuleListCapture, RuleListPage, RuleListRow } from '../../core/views/rule-list';

export type RuleRowJson = RuleListRow;
export type RuleCaptureJson = RuleListCapture;
export type RulePageJson = RuleListPage;
