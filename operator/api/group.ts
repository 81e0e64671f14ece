/** The API group and version of Switchyard's custom resources. */
export const group = 'switchyard.dev';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;
/** `kubectl get switchyard` lists every kind in this category. */
export const category = 'switchyard';
