/** Advisory lock keys (two-int form: one class for Switchyard, one id per job) shared by every pod and Job. */
export const lockClass = 0x5359; // "SY"
export const migrationLock = 1;
export const partitionUpkeepLock = 2;
