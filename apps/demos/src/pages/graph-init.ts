import { mountExperimentsPage } from '../lib/experiments-page';

void mountExperimentsPage('graph-init');
