export declare function belowBare<Row extends { contender: string; status: string; cpuBestUs?: number }>(group: readonly Row[]): Row[];
export declare function unsteady<Row extends { status: string; cpuMinUs?: number; cpuMaxUs?: number }>(group: readonly Row[]): Row[];
