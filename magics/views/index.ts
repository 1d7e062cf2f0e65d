/**
 * The views of the profile data model: text in the Python tools' layouts, sortable HTML tables
 * and plotly charts. Each `…Views` function returns the MIME bundles a magic displays, in order:
 * the table first (text/plain + text/html), then its charts.
 */
export { cpuProfileText } from "./cpu-profile-text";
export { cpuProfileViews, cpuProfileHtml } from "./cpu-profile-views";
export { allocationText } from "./allocation-text";
export { allocationViews, allocationHtml } from "./allocation-views";
export { lineProfileText } from "./line-profile-text";
export { lineProfileViews, lineProfileHtml } from "./line-profile-views";
export { timeitLine, timeitText, timeText, slowestRunWarning } from "./timing-text";
export { timeitViews, timeViews } from "./timing-views";
export { comparisonText } from "./comparison-text";
export { comparisonViews, comparisonHtml } from "./comparison-views";
export { profileComparisonText } from "./profile-comparison-text";
export { profileComparisonViews, profileComparisonHtml } from "./profile-comparison-views";
export { functionDescription, orderRows, type ProfileOrder } from "./profile-order";
export { htmlTable, heatColor, heatShares, type TableCell, type TableColumn, type TableSpec } from "./html-table";
export { chartBundle, plotlyText, PLOTLY_MIME, type Figure } from "./plotly";
export { formatTime, formatG, formatBytes } from "./pyformat";
