// What a kind's table printer is made of (upstream's TableConvertor): columns, cells per object, and
// row conditions.
import type { KubeObject } from '@minik8s/shared';
import type { Obj } from '../registry/objects';

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

/** A kind's printer reads its kind's own shape (its kubernetes-types interface). */
export interface TablePrinter<T extends object = KubeObject> {
  columns: ColumnDefinition[];
  /** One cell per column, the wide (priority 1) ones included: kubectl hides them without -o wide. */
  cells(obj: T, now: number): unknown[];
  conditions?(obj: T): TableRowCondition[] | undefined;
}

/**
 * A printer as a strategy holds it: of the stored, untyped objects, which a kind's printer may read as its
 * own type (a kind registered at run time reads them as they are).
 */
export type KindTablePrinter = TablePrinter<Obj>;
