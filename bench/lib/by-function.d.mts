export declare const JIT_CODE: string;
export declare function parseAnnotate(text: string): Map<string, number>;
export declare function isCollector(name: string): boolean;
export declare function isScavenge(name: string): boolean;
export interface Listings {
  n1: Map<string, number>;
  n2: Map<string, number>;
}
export interface ExcessRow {
  name: string;
  baseline: number;
  contender: number;
  excess: number;
  collector: boolean;
}
export declare function excessByFunction(
  runs: { contender: Listings; baseline: Listings },
  units: number,
): { rows: ExcessRow[]; total: number; collector: number; scavenges: number };
