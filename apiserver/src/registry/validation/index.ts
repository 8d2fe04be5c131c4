// Field validation shared by the kinds' strategies: typed readers, names and labels, network values,
// quantities. Each returns causes worded as upstream's field.ErrorList.
export * from './values';
export * from './names';
export * from './net';
export * from './quantity';
