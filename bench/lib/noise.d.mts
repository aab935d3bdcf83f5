export declare function belowBare<Row extends { contender: string; status: string; cpuBestUs?: number }>(group: readonly Row[]): Row[];
