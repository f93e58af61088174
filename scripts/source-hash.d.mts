/** Types of source-hash.mjs, for the tests that use it. */
export declare const STAMP: string;
export declare function sourceHash(root: string): string;
export declare function isBuildCurrent(root: string): boolean;
