export * from "./events";
export * from "./health";
export * from "./limits";
export * from "./request";
export * from "./routes";
export * from "./validation";
export * from "./validation-errors";
