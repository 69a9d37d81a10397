/** The part of wink-naive-bayes-text-classifier's API used here (the package ships no types). */
declare module 'wink-naive-bayes-text-classifier' {
  interface NaiveBayesTextClassifier {
    defineConfig(config: { considerOnlyPresence?: boolean; smoothingFactor?: number }): boolean;
    definePrepTasks(tasks: Array<(input: unknown) => unknown>): number;
    learn(input: string | string[], label: string): boolean;
    consolidate(): boolean;
    predict(input: string | string[]): string;
    computeOdds(input: string | string[]): Array<[string, number]>;
    exportJSON(): string;
    importJSON(json: string): boolean;
    reset(): boolean;
  }
  function naiveBayesTextClassifier(): NaiveBayesTextClassifier;
  export = naiveBayesTextClassifier;
}
