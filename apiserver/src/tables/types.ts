// What a kind's table printer is made of (upstream's TableConvertor): columns, cells per object, and
// row conditions.
/* eslint-disable @typescript-eslint/no-explicit-any */

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface TablePrinter {
  columns: ColumnDefinition[];
  /** One cell per column, the wide (priority 1) ones included: kubectl hides them without -o wide. */
  cells(obj: any, now: number): unknown[];
  conditions?(obj: any): TableRowCondition[] | undefined;
}
